/**
 * The outbox at rest: what a client keeps of its outbox between sessions (lock, reload, tab close), as bytes
 * for the caller to seal. Only bodies still waiting for their end-to-end ack are in it; the wire encoding of
 * each body is reused, so a record is read with the same strict decoder as a body from a peer.
 *
 * Plaintext (UTF-8 JSON, spec/storage.md, Outbox at rest):
 *   { "format": "tincan-outbox", "version": 1, "owner": "<our key, 64 hex>",
 *     "entries": [ { "peer": "<64 hex>", "createdAt": ms, "expiresAt": ms,
 *                    "kind": <message kind>, "body": "<payload hex, unpadded>" } ] }
 *
 * Entries are in the order they were added (the order they are sent in). A record of another identity (our
 * key changed since it was written) is refused with 'wrong-peer'.
 */
import { assertBytes, fromHex, fromUtf8, toHex, utf8 } from '../../crypto/bytes.ts';
import { ProtocolError } from '../../crypto/errors.ts';
import { padBody, unpadBody } from './body-frame.ts';
import { decodeBody, encodeBody, isReliable } from './chat-protocol.ts';
import { MAX_OUTBOX_ENTRIES, type SavedOutboxEntry } from './outbox.ts';
import { assertPeerId, isPeerId, type PeerId } from './session-types.ts';

export const OUTBOX_RECORD_FORMAT = 'tincan-outbox';
export const OUTBOX_RECORD_VERSION = 1;
/**
 * What a client keeps at rest: everything waiting but contact requests and key rotations, which both clients
 * keep elsewhere (the profile, the contact book) and send again, under a new id, at every start.
 */
export const isKeptAtRest = ({ body }: SavedOutboxEntry): boolean =>
  body.type !== 'contactRequest' && body.type !== 'keyRotation';

/** A record asking for more entries than an outbox can hold is refused unread. */
export const MAX_SAVED_ENTRIES = MAX_OUTBOX_ENTRIES;

const bad = (detail: string) => new ProtocolError('bad-encoding', `outbox record: ${detail}`);
const isTime = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

export function outboxToBytes(owner: PeerId, entries: readonly SavedOutboxEntry[]): Uint8Array {
  assertPeerId(owner);
  if (!Array.isArray(entries)) throw new TypeError('entries must be an array');
  if (entries.length > MAX_SAVED_ENTRIES) throw new RangeError(`at most ${MAX_SAVED_ENTRIES} entries`);
  return utf8(
    JSON.stringify({
      format: OUTBOX_RECORD_FORMAT,
      version: OUTBOX_RECORD_VERSION,
      owner,
      entries: entries.map(({ peer, body, createdAt, expiresAt }) => {
        assertPeerId(peer);
        const { kind, bytes } = encodeBody(body);
        return { peer, createdAt, expiresAt, kind, body: toHex(unpadBody(bytes)) };
      }),
    }),
  );
}

/** Throws ProtocolError: 'bad-encoding' or 'bad-version' for a damaged record, 'wrong-peer' for another owner's. */
export function outboxFromBytes(bytes: Uint8Array, owner: PeerId): SavedOutboxEntry[] {
  assertBytes(bytes, 'bytes');
  assertPeerId(owner);
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(bytes));
  } catch {
    throw bad('not JSON');
  }
  if (typeof value !== 'object' || value === null) throw bad('not an object');
  const record = value as Record<string, unknown>;
  if (record.format !== OUTBOX_RECORD_FORMAT) throw bad('not an outbox record');
  if (record.version !== OUTBOX_RECORD_VERSION)
    throw new ProtocolError('bad-version', `outbox record version ${String(record.version)}`);
  if (!isPeerId(record.owner)) throw bad('owner');
  if (record.owner !== owner) throw new ProtocolError('wrong-peer', 'outbox record of another identity');
  if (!Array.isArray(record.entries) || record.entries.length > MAX_SAVED_ENTRIES) throw bad('entries');
  const seen = new Set<string>();
  return record.entries.map((item: unknown) => {
    const entry = readEntry(item);
    const key = `${entry.peer}:${entry.body.id}`;
    if (seen.has(key)) throw bad('duplicate entry');
    seen.add(key);
    return entry;
  });
}

function readEntry(item: unknown): SavedOutboxEntry {
  if (typeof item !== 'object' || item === null) throw bad('entry');
  const { peer, createdAt, expiresAt, kind, body } = item as Record<string, unknown>;
  if (!isPeerId(peer)) throw bad('peer');
  if (!isTime(createdAt) || !isTime(expiresAt) || expiresAt < createdAt) throw bad('times');
  if (typeof kind !== 'number' || typeof body !== 'string' || !/^([0-9a-f]{2})*$/.test(body))
    throw bad('body');
  let decoded: ReturnType<typeof decodeBody>;
  try {
    decoded = decodeBody(kind, padBody(fromHex(body)));
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw bad('body length');
  }
  if (!isReliable(decoded)) throw bad('not a reliable body');
  return { peer, body: decoded, createdAt, expiresAt };
}
