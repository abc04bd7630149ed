/**
 * A ringing group call is announced as a ringing one-to-one call is: a system notification (shown by the
 * browser's notifier only while the tab is hidden and notifications are allowed) and the tab title, both naming
 * who rings and in which group, both gone when the ringing stops.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { padBody } from '../../client/core/body-frame.ts';
import type { CallNotifier } from '../../client/services/rtc/notifier.ts';
import { createGroupCallModel } from '../../client/state/group-calls.ts';
import { pageTitle } from '../../client/state/page-title.ts';
import { fromHex } from '../../crypto/bytes.ts';
import { encodeGroupCallBody } from '../../crypto/group-call-body.ts';
import { testRandom } from '../support/identities.ts';

const T0 = 1_767_225_600_000;
const ME = 'a0'.repeat(32);
const ALICE = 'b0'.repeat(32);
const GROUP = '11'.repeat(16);

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

function setup() {
  const shown: { name: string; media: string }[] = [];
  let cleared = 0;
  const notifier: CallNotifier = {
    incoming: (name, media) => shown.push({ name, media }),
    clear: () => {
      cleared += 1;
    },
    request: async () => 'granted',
  };
  const model = createGroupCallModel({
    myKey: fromHex(ME),
    random: testRandom('group-call-ringing'),
    sendEnvelope: async () => {},
    requestTurn: async () => null,
    turnAvailable: () => false,
    hideIp: () => 'unverified',
    membersOf: (id) => (id === GROUP ? [ME, ALICE] : null),
    groupName: () => 'Friends',
    memberName: (_id, key) => (key === ALICE ? 'Alice' : 'Someone'),
    isVerified: () => false,
    // No peer connection in Node: the legs prepared while it rings fail, which the ringing does not depend on.
    createPeerConnection: () => {
      throw new Error('no peer connection here');
    },
    notifier,
  });
  const ring = async () => {
    const invite = encodeGroupCallBody({
      action: 'invite',
      groupId: fromHex(GROUP),
      callId: new Uint8Array(16).fill(5),
      media: 'video',
      reason: 'left',
      sentAt: T0,
      participants: [],
    });
    await model.receive(ALICE, invite.kind, padBody(invite.payload));
  };
  return { model, shown, cleared: () => cleared, ring };
}

describe('a ringing group call', () => {
  it('shows the system notification a ringing call shows, naming who rings in which group, and clears it', async () => {
    const { model, shown, cleared, ring } = setup();
    await ring();
    expect(model.mesh.value?.phase).toBe('ringing');
    expect(shown).toEqual([{ name: 'Alice in Friends', media: 'video' }]);
    expect(cleared()).toBe(0);
    model.dismiss();
    expect(cleared()).toBeGreaterThan(0);
    expect(shown).toHaveLength(1);
    model.dispose();
  });

  it('the tab title names who rings while it rings; after, it is what it was', async () => {
    const { model, ring } = setup();
    const title = () => pageTitle(2, model.ringingFrom.value);
    expect(title()).toBe('(2) Tincan');
    await ring();
    expect(title()).toBe('📞 Alice in Friends is calling — Tincan');
    // The ringing stops on its own after 45 s too.
    await vi.advanceTimersByTimeAsync(46_000);
    expect(model.mesh.value?.phase).not.toBe('ringing');
    expect(title()).toBe('(2) Tincan');
    model.dispose();
  });
});
