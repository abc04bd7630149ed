/**
 * The file model (client/state/files.ts) over the real FileSessionService, in Node, on the receiving side up to
 * the accept (no RTCPeerConnection is made before it): the question in the chat, declining, offers too large,
 * too old or damaged. Connecting and moving the file: tests/e2e/chat-file.e2e.test.ts in Chromium.
 */
import { describe, expect, it } from 'vitest';
import { padBody, unpadBody } from '../../client/core/body-frame.ts';
import { offeredFile } from '../../client/services/rtc/file-session-service.ts';
import { MAX_FILE_BYTES } from '../../client/services/rtc/file-transfer.ts';
import { createFileModel } from '../../client/state/files.ts';
import { toHex } from '../../crypto/bytes.ts';
import {
  type CallBody,
  type CallOffer,
  decodeCallBody,
  encodeCallBody,
  OFFER_MAX_AGE_MS,
} from '../../crypto/call-signaling.ts';
import { fingerprintFromDigest } from '../../crypto/dtls-fingerprint.ts';
import { sasCommitment } from '../../crypto/sas.ts';
import { testRandom } from '../support/identities.ts';

const ALICE = 'a0'.repeat(32);
const CAROL = 'c0'.repeat(32);
const fp = fingerprintFromDigest('sha-256', new Uint8Array(32).fill(2));
const sdp = `v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=fingerprint:sha-256 ${fp.value}\r\n`;
const T0 = 1_767_225_600_000;

function setup() {
  const sent: { peer: string; body: CallBody }[] = [];
  const model = createFileModel({
    random: testRandom('client-files'),
    now: () => T0,
    sendEnvelope: async (peer, kind, body) => {
      sent.push({ peer, body: decodeCallBody(kind, unpadBody(body)) });
    },
    requestTurn: async () => null,
    turnAvailable: () => false,
    isVerified: () => false,
    hideIp: () => 'unverified',
  });
  const offer = (id: number, file = { size: 5, name: 'notes.txt', type: 'text/plain' }, createdAt = T0) => {
    const callId = new Uint8Array(16).fill(id);
    return {
      type: 'offer',
      callId,
      media: 'data',
      purpose: 'call',
      createdAt,
      sasCommitment: sasCommitment(callId, new Uint8Array(32)),
      fingerprint: fp,
      sdp,
      file,
    } satisfies CallOffer;
  };
  const deliver = (body: CallBody, from = ALICE) => {
    const { kind, payload } = encodeCallBody(body);
    return model.receive(from, kind, padBody(payload));
  };
  return { model, sent, offer, deliver };
}

describe('the file model, receiving', () => {
  it('a data offer becomes a line asking to accept (name cleaned, size, type); declining tells the sender', async () => {
    const { model, sent, offer, deliver } = setup();
    await deliver(offer(7, { size: 1234, name: '../evil\u202e.txt', type: 'text/plain' }));
    const [line] = model.byPeer.value.get(ALICE) ?? [];
    expect(line).toMatchObject({
      id: '07'.repeat(16),
      direction: 'receive',
      name: '_evil.txt',
      size: 1234,
      type: 'text/plain',
      phase: 'offered',
      transferred: 0,
    });
    // Asked, not rung: the only answer so far says the offer arrived.
    expect(sent).toEqual([{ peer: ALICE, body: expect.objectContaining({ action: 'ringing' }) }]);
    model.decline(line!.id);
    expect(model.byPeer.value.get(ALICE)?.[0]).toMatchObject({
      phase: 'declined',
      note: 'You declined the file.',
    });
    expect(sent.at(-1)?.body).toMatchObject({ type: 'control', action: 'reject' });
  });

  it('the sender withdrawing it before the accept shows on the line', async () => {
    const { model, offer, deliver } = setup();
    await deliver(offer(8));
    await deliver({ type: 'control', callId: new Uint8Array(16).fill(8), action: 'cancel' });
    expect(model.lines.value[0]).toMatchObject({ phase: 'cancelled', note: 'They withdrew the file.' });
  });

  it('an offer over 256 MB is declined at once, with the reason on the line', async () => {
    const { model, sent, offer, deliver } = setup();
    await deliver(offer(9, { size: MAX_FILE_BYTES + 1, name: 'big.iso', type: '' }));
    expect(model.lines.value[0]).toMatchObject({
      phase: 'declined',
      note: 'Files over 256 MB cannot be received here.',
    });
    expect(sent.at(-1)?.body).toMatchObject({ action: 'reject' });
  });

  it('an offer older than a minute (held back by a relay) is not shown; a repeat of an offer adds no line', async () => {
    const { model, sent, offer, deliver } = setup();
    await deliver(offer(10, undefined, T0 - OFFER_MAX_AGE_MS - 1));
    expect(model.lines.value).toEqual([]);
    expect(sent).toEqual([]);
    await deliver(offer(11));
    await deliver(offer(11));
    expect(model.lines.value).toHaveLength(1);
  });

  it('a body naming our session that does not decode ends it as possibly intercepted; from someone else, nothing', async () => {
    const { model, offer, deliver } = setup();
    await deliver(offer(12));
    const damaged = encodeCallBody({
      type: 'control',
      callId: new Uint8Array(16).fill(12),
      action: 'accept',
    });
    const bad = padBody(Uint8Array.from([...damaged.payload, 0]));
    await model.receive(CAROL, damaged.kind, bad);
    expect(model.lines.value[0]?.phase).toBe('offered');
    await model.receive(ALICE, damaged.kind, bad);
    expect(model.lines.value[0]).toMatchObject({ phase: 'intercepted' });
  });

  it('call bodies of calls, and kinds that are not call bodies, are left alone', async () => {
    const { model, sent, offer, deliver } = setup();
    await deliver({ ...offer(13), media: 'video', file: undefined } as unknown as CallBody);
    await model.receive(ALICE, 14, padBody(new Uint8Array(10)));
    expect(model.lines.value).toEqual([]);
    expect(sent).toEqual([]);
  });
});

describe('offeredFile', () => {
  it('cuts a name to 255 UTF-8 bytes on a character boundary, keeps only a printable ASCII type', () => {
    const read = async () => new Uint8Array(0);
    const long = offeredFile({ name: 'é'.repeat(200), size: 1, type: 'text/plain', read });
    expect(new TextEncoder().encode(long.name).length).toBeLessThanOrEqual(255);
    expect(long.name).toBe('é'.repeat(127));
    expect(offeredFile({ name: '  ', size: 0, type: 'bad\ntype', read })).toEqual({
      name: 'file',
      size: 0,
      type: '',
    });
    expect(toHex(new TextEncoder().encode(offeredFile({ name: 'a', size: 2, type: '', read }).name))).toBe(
      '61',
    );
  });
});
