/**
 * "Hide my IP address" with a relay that has TURN but gives no credentials (its budget for this key or address
 * is spent, or the socket went): nothing is connected directly instead, and the user is told why.
 */
import { describe, expect, it } from 'vitest';
import { describeStartError } from '../../client/services/rtc/devices.ts';
import type { FileLine } from '../../client/services/rtc/file-session-service.ts';
import { FileSessionService } from '../../client/services/rtc/file-session-service.ts';
import {
  type IpPolicy,
  policyWithTurn,
  TURN_UNAVAILABLE_TEXT,
  TurnUnavailableError,
} from '../../client/services/rtc/ice-policy.ts';
import type { TurnCredentialsBody } from '../../crypto/relay-turn-credentials.ts';
import { testRandom } from '../support/identities.ts';

const CREDENTIALS: TurnCredentialsBody = {
  urls: ['turn:127.0.0.1:3478?transport=udp'],
  username: '1767226200:label',
  credential: 'secret',
  expiresAt: 1_767_226_200,
};

describe('policyWithTurn', () => {
  it('refuses a connection that must hide our address when no credentials came', () => {
    expect(() => policyWithTurn({ mode: 'hidden' }, null)).toThrow(TurnUnavailableError);
    expect(describeStartError(new TurnUnavailableError())).toBe(TURN_UNAVAILABLE_TEXT);
  });

  it('keeps every other policy as it is', () => {
    const policies: IpPolicy[] = [{ mode: 'hidden' }, { mode: 'direct' }, { mode: 'cannot-hide' }];
    for (const policy of policies) expect(policyWithTurn(policy, CREDENTIALS)).toEqual(policy);
    expect(policyWithTurn({ mode: 'direct' }, null)).toEqual({ mode: 'direct' });
    expect(policyWithTurn({ mode: 'cannot-hide' }, null)).toEqual({ mode: 'cannot-hide' });
  });
});

describe('a file offered to an unverified contact while the relay withholds TURN', () => {
  it('makes no peer connection, sends nothing, and says why on the line', async () => {
    let peerConnections = 0;
    const sent: unknown[] = [];
    let lines: readonly FileLine[] = [];
    const service = new FileSessionService({
      random: testRandom('turn-unavailable'),
      sendEnvelope: async (...args) => sent.push(args),
      requestTurn: async () => null,
      turnAvailable: () => true,
      isVerified: () => false,
      hideIp: () => 'unverified',
      createPeerConnection: () => {
        peerConnections++;
        throw new Error('no peer connection may be made');
      },
      generateCertificate: async () => ({}) as RTCCertificate,
      onChange: (next) => {
        lines = next;
      },
    });
    await service.send('b0'.repeat(32), {
      name: 'notes.txt',
      size: 5,
      type: 'text/plain',
      read: async () => new Uint8Array(5),
    });
    expect(peerConnections).toBe(0);
    expect(sent).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ phase: 'failed', note: TURN_UNAVAILABLE_TEXT });
    service.dispose();
  });
});
