/** A co-member who is not a contact may signal a group call (group call and call bodies), nothing else of a call. */
import { describe, expect, it } from 'vitest';
import { admitInbound } from '../../client/core/inbound-policy.ts';
import { MESSAGE_KIND } from '../../crypto/envelope.ts';

const body = new Uint8Array(256);

describe('inbound policy for group calls', () => {
  it('passes group call and call bodies from a co-member on to the services', () => {
    for (const kind of [
      MESSAGE_KIND.groupCall,
      MESSAGE_KIND.callOffer,
      MESSAGE_KIND.callAnswer,
      MESSAGE_KIND.iceCandidate,
      MESSAGE_KIND.callControl,
    ])
      expect(admitInbound('member', kind, body)).toEqual({ action: 'pass' });
  });

  it('drops them from a stranger, and drops other kinds (a file offer) from a co-member', () => {
    expect(admitInbound('stranger', MESSAGE_KIND.groupCall, body).action).toBe('drop');
    expect(admitInbound('stranger', MESSAGE_KIND.callOffer, body).action).toBe('drop');
    expect(admitInbound('member', MESSAGE_KIND.fileTransfer, body).action).toBe('drop');
    expect(admitInbound('contact', MESSAGE_KIND.groupCall, body)).toEqual({ action: 'pass' });
  });
});
