/**
 * The line a call leaves in the chat once it is over, on both sides: "Missed video call", "Declined audio
 * call", "Video call" with how long it lasted. Made from the call state machine's ended state alone, so the
 * words follow the protocol's own outcome and the UI only lays them out.
 */
import type { CallState, EndReason } from '../services/rtc/call-machine.ts';

export interface CallLineSummary {
  /** Unique per call: a call ends once, and its line is added once. */
  readonly callId: string;
  readonly summary: string;
  /** When the call was placed (or rang here), shown beside a call that never connected. */
  readonly at: number;
  /** How long media flowed, for a call that connected; null for one that never did. */
  readonly durationSeconds: number | null;
}

type Unconnected = Exclude<EndReason, 'hung-up' | 'remote-hung-up'> | 'cancelled' | 'ended';

/** Outcomes of a call that never connected, from our side of it. */
function unconnected(state: CallState): Unconnected {
  const reason = state.endReason ?? 'failed';
  if (reason === 'hung-up') return 'cancelled';
  if (reason === 'remote-hung-up') return 'ended';
  return reason;
}

const SUMMARY: Record<Unconnected, (media: string, Media: string) => string> = {
  missed: (media) => `Missed ${media}`,
  declined: (media) => `Declined ${media}`,
  rejected: (_, Media) => `${Media} declined`,
  cancelled: (media) => `Cancelled ${media}`,
  'no-answer': (_, Media) => `${Media} not answered`,
  busy: (_, Media) => `${Media} not answered: busy in another call`,
  failed: (_, Media) => `${Media} could not connect`,
  ended: (_, Media) => `${Media} ended`,
  security: (_, Media) => `${Media} stopped: it may have been intercepted`,
  'remote-security': (_, Media) => `${Media} stopped: it may have been intercepted`,
  'media-error': (_, Media) => `${Media} failed: no camera or microphone`,
};

/** The chat line for a call that has ended, or null while it is still going (or was never readable). */
export function callLineOf(state: CallState): CallLineSummary | null {
  if (state.phase !== 'ended' || state.callId === '') return null;
  const media = state.media === 'video' ? 'video call' : 'audio call';
  const Media = state.media === 'video' ? 'Video call' : 'Audio call';
  const endedAt = state.endedAt ?? state.createdAt;
  if (state.connectedAt !== null) {
    const connected =
      state.endReason === 'security' || state.endReason === 'remote-security'
        ? SUMMARY.security(media, Media)
        : Media;
    return {
      callId: state.callId,
      summary: connected,
      at: state.createdAt,
      durationSeconds: Math.max(0, Math.round((endedAt - state.connectedAt) / 1000)),
    };
  }
  return {
    callId: state.callId,
    summary: SUMMARY[unconnected(state)](media, Media),
    at: state.createdAt,
    durationSeconds: null,
  };
}
