/**
 * Turning messenger events into terminal lines. Everything a peer chose (texts, display names) is made
 * inert first: a message must not be able to move the cursor, recolour the screen or retitle the window
 * with escape sequences, nor reorder a line with bidi controls.
 */
import type { MessengerEvent } from '../core/messenger.ts';
import type { PeerId } from '../core/session-manager.ts';

/** C0 and C1 controls (DEL included), and the bidi embedding/override/isolate controls. */
const UNSAFE = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu;

/** Replaces every control character but newline and tab with U+FFFD. */
export function inert(text: string): string {
  return text.replace(UNSAFE, (c) => (c === '\n' || c === '\t' ? c : '\ufffd'));
}

const clock = (ms: number): string => new Date(ms).toTimeString().slice(0, 8);

export interface Names {
  nameOf(peer: PeerId): string;
}

/** One or more lines for an event, or undefined for events not worth printing. */
export function describe(event: MessengerEvent, names: Names, now: number): string | undefined {
  const who = 'peer' in event && event.peer ? names.nameOf(event.peer) : 'someone';
  switch (event.type) {
    case 'message': {
      const [first, ...rest] = inert(event.message.text).split('\n');
      const timer = event.message.expiresInSeconds
        ? ` (disappears after ${event.message.expiresInSeconds}s)`
        : '';
      return [
        `[${clock(event.message.sentAt)}] ${who}: ${first}${timer}`,
        ...rest.map((line) => `    ${line}`),
      ].join('\n');
    }
    case 'presence':
      return `[${clock(now)}] * ${who} is ${event.online ? 'online' : 'offline'}`;
    case 'contact-response':
      return event.accepted ? `[${clock(now)}] * ${who} accepted your contact request` : undefined;
    case 'settings':
      return `[${clock(now)}] * ${who} set disappearing messages to ${event.expiresInSeconds ? `${event.expiresInSeconds}s` : 'off'}`;
    case 'send-failed':
      return `[${clock(now)}] * a message to ${who} expired before it could be delivered`;
    default:
      return undefined;
  }
}
