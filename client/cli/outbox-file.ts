/**
 * The CLI's outbox at rest: what `send`, `chat` or `listen` could not get acknowledged before they ended,
 * kept next to the identity file (`outbox.json`, mode 0600) and sent again by the next command that connects.
 * The plaintext is the outbox record of outbox-record.ts, sealed with XSalsa20-Poly1305 under a key derived
 * from the identity seed, so the file opens only for whoever can open the identity file (with its passphrase
 * when the identity is sealed):
 *
 *   key = HKDF-SHA-256(ikm = seed, salt = empty, info = "tincan-cli-outbox-v1", 32 bytes)
 *   { "format": "tincan-cli-outbox", "version": 1, "nonce": "<24 bytes hex>", "box": "<hex>" }
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import { readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import nacl from 'tweetnacl';
import { fromHex, toHex } from '../../crypto/bytes.ts';
import { ProtocolError } from '../../crypto/errors.ts';
import type { Identity } from '../../crypto/identity.ts';
import type { OutboxStorage } from '../core/outbox-store.ts';
import { writeJsonAtomically } from './identity-file.ts';

export const OUTBOX_FILE_FORMAT = 'tincan-cli-outbox';
const KEY_INFO = 'tincan-cli-outbox-v1';

export const outboxPathFor = (identityPath: string): string => join(dirname(identityPath), 'outbox.json');

export function outboxFile(path: string, identity: Identity): OutboxStorage {
  const key = new Uint8Array(hkdfSync('sha256', identity.seed, new Uint8Array(0), KEY_INFO, 32));
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      let file: { format?: unknown; version?: unknown; nonce?: unknown; box?: unknown };
      try {
        file = JSON.parse(text);
      } catch {
        throw new ProtocolError('bad-encoding', 'outbox file: not JSON');
      }
      if (file?.format !== OUTBOX_FILE_FORMAT || file.version !== 1)
        throw new ProtocolError('bad-encoding', 'outbox file: unknown format');
      const hex = /^([0-9a-f]{2})+$/;
      if (
        typeof file.nonce !== 'string' ||
        typeof file.box !== 'string' ||
        !hex.test(file.nonce) ||
        !hex.test(file.box)
      )
        throw new ProtocolError('bad-encoding', 'outbox file: fields');
      const nonce = fromHex(file.nonce);
      if (nonce.length !== nacl.secretbox.nonceLength)
        throw new ProtocolError('bad-encoding', 'outbox file: nonce');
      const opened = nacl.secretbox.open(fromHex(file.box), nonce, key);
      if (!opened) throw new ProtocolError('decrypt-failed', 'outbox file of another identity, or damaged');
      return opened;
    },
    async save(plaintext) {
      if (!plaintext) {
        await unlink(path).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
        return;
      }
      const nonce = new Uint8Array(randomBytes(nacl.secretbox.nonceLength));
      const box = nacl.secretbox(plaintext, nonce, key);
      await writeJsonAtomically(path, {
        format: OUTBOX_FILE_FORMAT,
        version: 1,
        nonce: toHex(nonce),
        box: toHex(box),
      });
    },
  };
}
