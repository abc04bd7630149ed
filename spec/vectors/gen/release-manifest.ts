/**
 * Release manifest vectors (crypto/release-manifest.ts, spec/releases.md). The canonical text, the release
 * hash (SHA-256 of the `sha256sum` listing) and the signatures are made here with node:crypto (SHA-256, Ed25519 from a PKCS#8 seed), apart from
 * the module. Valid: a signed and an unsigned manifest, and paths whose byte order differs from a naive sort.
 * Invalid: manifests the parser must refuse, and signatures the release key did not make.
 */
import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { concatBytes, fromHex, toHex } from '../../../crypto/bytes.ts';
import { deterministicRandom, type VectorCase, type VectorFile } from '../format.ts';

const PKCS8_PREFIX = fromHex('302e020100300506032b657004220420');

function keyPair(seed: Uint8Array) {
  const privateKey = createPrivateKey({
    key: Buffer.from(concatBytes(PKCS8_PREFIX, seed)),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { privateKey, publicKey: toHex(new Uint8Array(spki.subarray(spki.length - 32))) };
}

const sha256 = (bytes: string | Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** What `sha256sum` prints for the files, paths relative to the release directory, in byte order. */
function listing(files: Record<string, string>): string {
  const paths = Object.keys(files).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return paths.map((p) => `${files[p]}  ${p.slice(1)}\n`).join('');
}

const canonical = (version: string, files: Record<string, string>): string =>
  `tincan-release-v1\nversion ${version}\n${listing(files)}`;

export default async function generate(): Promise<VectorFile> {
  const random = deterministicRandom('tincan/spec/vectors/release-manifest');
  const release = keyPair(random(32));
  const other = keyPair(random(32));
  const hash = () => toHex(random(32));
  const files: Record<string, string> = {
    '/index.html': hash(),
    '/assets/index-Bx9.js': hash(),
    '/assets-old/z.css': hash(),
    '/Z.png': hash(),
    '/sw.js': hash(),
  };
  const text = canonical('0.3.0', files);
  const signature = (key: typeof release, message: string) =>
    toHex(sign(null, Buffer.from(message), key.privateKey));
  const json = (body: Record<string, unknown>) => JSON.stringify({ format: 1, ...body });
  const cases: VectorCase[] = [];

  cases.push({
    label: 'valid',
    comment:
      'a signed manifest: canonical text in byte order of paths ("/Z.png" before "/assets-old", "-" before "/")',
    manifest: json({ version: '0.3.0', files, signature: signature(release, text) }),
    releaseKey: release.publicKey,
    canonical: text,
    hash: sha256(listing(files)),
    signed: true,
  });
  const unsigned = { '/index.html': hash(), '/a.js': hash() };
  cases.push({
    label: 'valid',
    comment: 'an unsigned manifest (a build without a release key): named by its hash alone',
    manifest: json({ version: '0.1.0', files: unsigned }),
    releaseKey: release.publicKey,
    canonical: canonical('0.1.0', unsigned),
    hash: sha256(listing(unsigned)),
    signed: false,
  });

  const refuse = (comment: string, manifest: string) =>
    cases.push({ label: 'invalid', comment, manifest, error: 'bad-release-manifest' });
  refuse('not JSON', '{"format":1,');
  refuse('an array', '[]');
  refuse('an unknown key', json({ version: '0.3.0', files, extra: 1 }));
  refuse('format 2', JSON.stringify({ format: 2, version: '0.3.0', files }));
  refuse('no format', JSON.stringify({ version: '0.3.0', files }));
  refuse('a version with two parts', json({ version: '0.3', files }));
  refuse('a version with a leading zero', json({ version: '0.03.0', files }));
  refuse('a version with a suffix', json({ version: '0.3.0-beta', files }));
  refuse('no files', json({ version: '0.3.0', files: {} }));
  refuse('a path without a leading slash', json({ version: '0.3.0', files: { 'index.html': hash() } }));
  refuse('a path that climbs', json({ version: '0.3.0', files: { '/assets/../x.js': hash() } }));
  refuse('an empty path segment', json({ version: '0.3.0', files: { '/assets//x.js': hash() } }));
  refuse('a path with a query', json({ version: '0.3.0', files: { '/x.js?v=1': hash() } }));
  refuse('an upper-case hash', json({ version: '0.3.0', files: { '/x.js': hash().toUpperCase() } }));
  refuse('a short hash', json({ version: '0.3.0', files: { '/x.js': hash().slice(2) } }));
  refuse(
    'a short signature',
    json({ version: '0.3.0', files, signature: signature(release, text).slice(2) }),
  );

  const forged = (comment: string, manifest: string) =>
    cases.push({
      label: 'invalid',
      comment,
      manifest,
      releaseKey: release.publicKey,
      error: 'bad-signature',
    });
  forged('signed by another key', json({ version: '0.3.0', files, signature: signature(other, text) }));
  forged(
    'a signature of release 0.3.0 on a manifest that says 0.4.0',
    json({ version: '0.4.0', files, signature: signature(release, text) }),
  );
  forged(
    'a signature of the files, with one hash changed after signing',
    json({ version: '0.3.0', files: { ...files, '/sw.js': hash() }, signature: signature(release, text) }),
  );
  forged(
    'a signature over the JSON instead of the canonical text',
    json({ version: '0.3.0', files, signature: signature(release, json({ version: '0.3.0', files })) }),
  );
  return {
    about:
      'Release manifests (spec/releases.md): canonical text, release hash (SHA-256 of the sha256sum listing), Ed25519 signature by the release key',
    source: 'spec/vectors/gen/release-manifest.ts (node:crypto, fixed seed)',
    cases,
  };
}
