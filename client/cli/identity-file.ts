/**
 * The CLI's identity file: JSON, created with mode 0600 in a 0700 directory, never overwritten silently.
 * The seed is stored either in the clear (protected by file permissions only) or, when a passphrase is
 * given, sealed with XSalsa20-Poly1305 under a key from scrypt (N = 2^17, r = 8, p = 1: about 128 MiB and
 * a few hundred milliseconds, so that a stolen file costs an attacker the same per guess).
 *
 *   { "version": 1, "name": "alice", "publicKey": "<hex>", "seed": "<hex>" }
 *   { "version": 1, "name": "alice", "publicKey": "<hex>",
 *     "sealed": { "kdf": "scrypt", "N": 131072, "r": 8, "p": 1, "salt": "<hex>", "nonce": "<hex>", "box": "<hex>" } }
 */
import { randomBytes, scryptSync } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import nacl from 'tweetnacl';
import { equalBytes, fromHex, toHex } from '../../crypto/bytes.ts';
import { type Identity, identityFromSeed } from '../../crypto/identity.ts';
import { nodeEd25519 } from '../../crypto/node/node-ed25519.ts';
import { nodeX25519 } from '../../crypto/node/node-x25519.ts';

const SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const;

export interface IdentityFile {
  readonly version: 1;
  readonly name: string;
  readonly publicKey: string;
  readonly seed?: string;
  readonly sealed?: {
    kdf: 'scrypt';
    N: number;
    r: number;
    p: number;
    salt: string;
    nonce: string;
    box: string;
  };
}

/** A user-facing failure: the CLI prints the message and exits non-zero, without a stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export const backend = nodeEd25519();
export const x25519 = nodeX25519();

function kdf(passphrase: string, salt: Uint8Array, params: { N: number; r: number; p: number }): Uint8Array {
  return new Uint8Array(
    scryptSync(passphrase.normalize('NFC'), salt, 32, { ...params, maxmem: 256 * 1024 * 1024 }),
  );
}

export async function createIdentityFile(path: string, name: string, passphrase?: string): Promise<Identity> {
  const identity = await identityFromSeed(backend, new Uint8Array(randomBytes(32)), x25519);
  const base = { version: 1 as const, name, publicKey: toHex(identity.publicKey) };
  let file: IdentityFile;
  if (passphrase) {
    const salt = new Uint8Array(randomBytes(16));
    const nonce = new Uint8Array(randomBytes(nacl.secretbox.nonceLength));
    const box = nacl.secretbox(identity.seed, nonce, kdf(passphrase, salt, SCRYPT));
    file = {
      ...base,
      sealed: { kdf: 'scrypt', ...SCRYPT, salt: toHex(salt), nonce: toHex(nonce), box: toHex(box) },
    };
  } else {
    file = { ...base, seed: toHex(identity.seed) };
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  try {
    await writeFile(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new CliError(
        `${path} already exists: an identity is never overwritten (delete it yourself if you mean to)`,
      );
    }
    throw error;
  }
  return identity;
}

export async function readIdentityFile(path: string): Promise<IdentityFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CliError(`no identity at ${path}: create one with \`tincan init --name NAME\``);
    }
    throw error;
  }
  const file = JSON.parse(text) as IdentityFile;
  if (file?.version !== 1 || typeof file.name !== 'string' || !/^[0-9a-f]{64}$/.test(file.publicKey ?? '')) {
    throw new CliError(`${path} is not a Tincan identity file`);
  }
  return file;
}

export async function loadIdentity(
  path: string,
  passphrase?: string,
): Promise<{ identity: Identity; name: string }> {
  const file = await readIdentityFile(path);
  let seed: Uint8Array;
  if (file.sealed) {
    if (!passphrase) throw new CliError('this identity is passphrase-protected: set TINCAN_PASSPHRASE');
    const { salt, nonce, box, N, r, p } = file.sealed;
    const opened = nacl.secretbox.open(
      fromHex(box),
      fromHex(nonce),
      kdf(passphrase, fromHex(salt), { N, r, p }),
    );
    if (!opened) throw new CliError('wrong passphrase');
    seed = opened;
  } else if (typeof file.seed === 'string' && /^[0-9a-f]{64}$/.test(file.seed)) {
    seed = fromHex(file.seed);
  } else {
    throw new CliError(`${path} holds no usable seed`);
  }
  const identity = await identityFromSeed(backend, seed, x25519);
  seed.fill(0);
  if (!equalBytes(identity.publicKey, fromHex(file.publicKey))) {
    throw new CliError(`${path} is corrupt: its seed does not give its public key`);
  }
  return { identity, name: file.name };
}

/** Writes JSON through a temporary file and a rename, so a crash never leaves half a file; mode 0600. */
export async function writeJsonAtomically(path: string, value: unknown): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, path);
}
