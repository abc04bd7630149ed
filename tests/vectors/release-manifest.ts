/** Replays a release manifest vector: parse, canonical text, release hash, and the signature's verdict. */
import { expect } from 'vitest';
import { fromHex, fromUtf8 } from '../../crypto/bytes.ts';
import { nobleEd25519 } from '../../crypto/ed25519.ts';
import {
  canonicalRelease,
  parseReleaseManifest,
  releaseHash,
  verifyRelease,
} from '../../crypto/release-manifest.ts';
import type { VectorCase } from '../../spec/vectors/format.ts';
import { expectProtocolError } from '../support/protocol-errors.ts';

export async function checkCase(c: VectorCase): Promise<void> {
  if (c.label !== 'valid' && c.label !== 'invalid') throw new Error(`unknown label ${String(c.label)}`);
  const text = c.manifest as string;
  if (c.label === 'valid') {
    const manifest = parseReleaseManifest(text);
    expect(fromUtf8(canonicalRelease(manifest))).toBe(c.canonical);
    expect(releaseHash(manifest)).toBe(c.hash);
    expect(manifest.signature !== undefined).toBe(c.signed);
    expect(await verifyRelease(nobleEd25519, manifest, fromHex(c.releaseKey as string))).toBe(c.signed);
    return;
  }
  if (c.error === 'bad-release-manifest') {
    expectProtocolError(() => parseReleaseManifest(text), 'bad-release-manifest');
    return;
  }
  if (c.error !== 'bad-signature') throw new Error(`unknown error ${String(c.error)}`);
  const manifest = parseReleaseManifest(text);
  expect(await verifyRelease(nobleEd25519, manifest, fromHex(c.releaseKey as string))).toBe(false);
}
