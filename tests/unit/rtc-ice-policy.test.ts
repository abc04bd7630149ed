import { describe, expect, it } from 'vitest';
import {
  connectsWhileRinging,
  DEFAULT_HIDE_IP,
  HIDE_IP_SETTINGS,
  ipPolicy,
  isHideIpSetting,
  rtcConfiguration,
} from '../../client/services/rtc/ice-policy.ts';

const turn = {
  expiresAt: 1,
  username: '1:ab',
  credential: 'c2VjcmV0',
  urls: ['turn:127.0.0.1:3478?transport=udp'],
};

describe('hide my IP address', () => {
  it('the table: default hides from unverified contacts only; without TURN it says it cannot', () => {
    expect(DEFAULT_HIDE_IP).toBe('unverified');
    const table = HIDE_IP_SETTINGS.flatMap((setting) =>
      [true, false].flatMap((verified) =>
        [true, false].map(
          (turnAvailable) =>
            `${setting}/${verified ? 'verified' : 'unverified'}/${turnAvailable ? 'turn' : 'no-turn'}: ${ipPolicy(setting, verified, turnAvailable).mode}`,
        ),
      ),
    );
    expect(table).toEqual([
      'unverified/verified/turn: direct',
      'unverified/verified/no-turn: direct',
      'unverified/unverified/turn: hidden',
      'unverified/unverified/no-turn: cannot-hide',
      'always/verified/turn: hidden',
      'always/verified/no-turn: cannot-hide',
      'always/unverified/turn: hidden',
      'always/unverified/no-turn: cannot-hide',
      'never/verified/turn: direct',
      'never/verified/no-turn: direct',
      'never/unverified/turn: direct',
      'never/unverified/no-turn: direct',
    ]);
    expect(HIDE_IP_SETTINGS.every(isHideIpSetting)).toBe(true);
    expect([undefined, 'sometimes', 1].some(isHideIpSetting)).toBe(false);
  });

  it('relay-only ICE exactly when hidden; only the relay’s TURN server, never a third-party STUN server', () => {
    const hidden = rtcConfiguration(turn, { mode: 'hidden' }, undefined);
    expect(hidden).toEqual({
      iceServers: [{ urls: turn.urls, username: turn.username, credential: turn.credential }],
      iceTransportPolicy: 'relay',
      bundlePolicy: 'max-bundle',
      rtcpMuxPolicy: 'require',
    });
    expect(rtcConfiguration(turn, { mode: 'direct' }, undefined).iceTransportPolicy).toBe('all');
    expect(rtcConfiguration(null, { mode: 'cannot-hide' }, undefined)).toMatchObject({
      iceServers: [],
      iceTransportPolicy: 'all',
    });
    const certificate = {} as RTCCertificate;
    expect(rtcConfiguration(null, { mode: 'direct' }, certificate).certificates).toEqual([certificate]);
  });

  it('the callee connects while it rings only when that reveals nothing new', () => {
    expect(connectsWhileRinging({ mode: 'hidden' }, false)).toBe(true);
    expect(connectsWhileRinging({ mode: 'hidden' }, true)).toBe(true);
    expect(connectsWhileRinging({ mode: 'direct' }, true)).toBe(true);
    // Direct ICE to someone not verified, or no TURN when hiding was wanted: only after the accept.
    expect(connectsWhileRinging({ mode: 'direct' }, false)).toBe(false);
    expect(connectsWhileRinging({ mode: 'cannot-hide' }, true)).toBe(false);
    expect(connectsWhileRinging({ mode: 'cannot-hide' }, false)).toBe(false);
  });
});
