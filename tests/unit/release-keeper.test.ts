/**
 * The release worker's decisions (client/sw/release-keeper.ts) over in-memory Cache Storage and a server that
 * changes what it serves: only pinned bytes are served, offers are judged and staged, and a switch happens
 * only on accept (spec/releases.md, Rules).
 */
import { createHash, webcrypto } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { createReleaseKeeper, type ReleaseKeeper } from '../../client/sw/release-keeper.ts';
import { createReleaseStore } from '../../client/sw/release-store.ts';
import { toHex } from '../../crypto/bytes.ts';
import type { Ed25519Signer } from '../../crypto/ed25519.ts';
import { nobleEd25519 } from '../../crypto/ed25519.ts';
import { encodeReleaseManifest, parseReleaseManifest, releaseHash } from '../../crypto/release-manifest.ts';
import type { ReleaseTrust } from '../../crypto/release-offer.ts';
import { testIdentity } from '../support/identities.ts';
import { memoryCaches } from '../support/memory-caches.ts';

const ORIGIN = 'http://127.0.0.1:1';

/** A server whose files the test changes; `offline` makes every fetch fail as a dropped network does. */
function fakeServer() {
  const files = new Map<string, string>();
  /** `status`: what every answer is, when set (a server error, say). */
  const state = { offline: false, status: undefined as number | undefined, fetched: [] as string[] };
  const fetcher = (async (input: RequestInfo | URL) => {
    if (state.offline) throw new TypeError('Failed to fetch');
    const path = String(input);
    state.fetched.push(path);
    if (state.status !== undefined) return new Response('error\n', { status: state.status });
    const body = files.get(path);
    return body === undefined ? new Response('not found\n', { status: 404 }) : new Response(body);
  }) as typeof fetch;
  /** Serves `contents` with a release.json for them (signed by `signer` if given); returns the release hash. */
  async function publish(version: string, contents: Record<string, string>, signer?: Ed25519Signer) {
    files.clear();
    const hashes: Record<string, string> = {};
    for (const [path, body] of Object.entries(contents)) {
      files.set(path, body);
      hashes[path] = createHash('sha256').update(body).digest('hex');
    }
    const text = await encodeReleaseManifest({ version, files: hashes }, signer);
    files.set('/release.json', text);
    return releaseHash(parseReleaseManifest(text));
  }
  return { files, state, fetcher, publish };
}

const A = { '/index.html': '<p>A</p>', '/app.js': 'console.log("A")' };
const B = { '/index.html': '<p>B</p>', '/app.js': 'console.log("B")', '/more.js': '1' };

describe('the release keeper', async () => {
  const key = await testIdentity('release-key');
  const other = await testIdentity('another-key');
  const signedTrust: ReleaseTrust = { kind: 'signed', releaseKey: key.publicKey };
  let caches: CacheStorage;
  let server: ReturnType<typeof fakeServer>;
  const keeper = (trust: ReleaseTrust = signedTrust): ReleaseKeeper =>
    createReleaseKeeper({
      store: createReleaseStore(caches, ORIGIN),
      fetcher: server.fetcher,
      subtle: webcrypto.subtle as SubtleCrypto,
      backend: nobleEd25519,
      trust,
    });
  const text = async (response: Promise<Response>) => (await response).text();

  beforeEach(() => {
    caches = memoryCaches();
    server = fakeServer();
  });

  it('pins the first signed release and serves only its files, whatever the server serves later', async () => {
    const hashA = await server.publish('0.1.0', A, key.signer);
    const worker = keeper();
    await worker.pinFirst();
    expect((await worker.status()).running).toEqual({ version: '0.1.0', hash: hashA, signed: true });
    expect((await worker.status()).releaseKey).toBe(toHex(key.publicKey));
    server.files.set('/app.js', 'localStorage.tampered = 1');
    server.state.fetched.length = 0;
    expect(await text(worker.serve('/app.js'))).toBe(A['/app.js']);
    expect(await text(worker.serve('/index.html'))).toBe(A['/index.html']);
    expect((await worker.serve('/other.js')).status).toBe(404);
    expect(server.state.fetched).toEqual([]);
  });

  it('refuses to pin a first release that is unsigned or whose files do not match', async () => {
    await server.publish('0.1.0', A);
    await expect(keeper().pinFirst()).rejects.toThrow(/unsigned/);
    await server.publish('0.1.0', A, key.signer);
    server.files.set('/app.js', 'changed');
    await expect(keeper().pinFirst()).rejects.toThrow(/file-mismatch/);
    expect((await keeper().status()).running).toBeNull();
  });

  it('a new worker script keeps the pinned release instead of pinning what the server has now', async () => {
    const hashA = await server.publish('0.1.0', A, key.signer);
    await keeper().pinFirst();
    await server.publish('0.2.0', B, key.signer);
    const next = keeper();
    await next.pinFirst();
    expect((await next.status()).running?.hash).toBe(hashA);
    expect(await text(next.serve('/index.html'))).toBe(A['/index.html']);
  });

  it('stages a newer signed release as an offer and switches only when the user accepts its hash', async () => {
    const hashA = await server.publish('0.1.0', A, key.signer);
    const worker = keeper();
    await worker.pinFirst();
    const hashB = await server.publish('0.2.0', B, key.signer);
    const checked = await worker.check();
    expect(checked).toMatchObject({
      running: { hash: hashA },
      offer: { version: '0.2.0', hash: hashB },
      refusal: null,
    });
    expect(await text(worker.serve('/index.html'))).toBe(A['/index.html']);
    expect((await worker.accept(hashA)).running?.hash).toBe(hashA);
    expect((await worker.accept(hashB)).running).toEqual({ version: '0.2.0', hash: hashB, signed: true });
    expect(await text(worker.serve('/index.html'))).toBe(B['/index.html']);
    expect(await text(worker.serve('/more.js'))).toBe('1');
    expect((await worker.status()).offer).toBeNull();
  });

  it('a check asked for while another runs answers from a release.json read after it was asked', async () => {
    await server.publish('0.1.0', A, key.signer);
    const worker = keeper();
    await worker.pinFirst();
    // The first check's read of release.json is held until the server has changed it under the second.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const fetcher = server.fetcher;
    let reads = 0;
    server.fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const answer = fetcher(input, init);
      if (String(input) === '/release.json' && reads++ === 0) await held;
      return answer;
    }) as typeof fetch;
    const heldWorker = keeper();
    const first = heldWorker.check();
    await new Promise((resolve) => setTimeout(resolve, 10));
    await server.publish('0.2.0', B, other.signer);
    const second = heldWorker.check();
    const third = heldWorker.check();
    release();
    expect((await first).refusal).toBeNull();
    expect((await second).refusal).toEqual({ reason: 'bad-signature', version: '0.2.0' });
    expect(await third).toEqual(await second);
    expect(reads).toBe(2);
  });

  it('refuses, and says why: no signature, another key, a downgrade, the same version changed, files that do not match', async () => {
    await server.publish('0.2.0', A, key.signer);
    const worker = keeper();
    await worker.pinFirst();
    const refusal = async () => (await worker.check()).refusal;
    await server.publish('0.3.0', B);
    expect(await refusal()).toEqual({ reason: 'unsigned', version: '0.3.0' });
    await server.publish('0.3.0', B, other.signer);
    expect(await refusal()).toEqual({ reason: 'bad-signature', version: '0.3.0' });
    await server.publish('0.1.0', B, key.signer);
    expect(await refusal()).toEqual({ reason: 'downgrade', version: '0.1.0' });
    await server.publish('0.2.0', B, key.signer);
    expect(await refusal()).toEqual({ reason: 'same-version', version: '0.2.0' });
    await server.publish('0.3.0', B, key.signer);
    server.files.set('/more.js', '2');
    expect(await refusal()).toEqual({ reason: 'file-mismatch', version: '0.3.0' });
    server.files.delete('/more.js');
    expect(await refusal()).toEqual({ reason: 'file-mismatch', version: '0.3.0' });
    const status = await worker.status();
    expect(status.offer).toBeNull();
    expect(status.running?.version).toBe('0.2.0');
    expect(await text(worker.serve('/index.html'))).toBe(A['/index.html']);
  });

  it('offline or with a server error, a check changes nothing; the pinned release still serves', async () => {
    await server.publish('0.1.0', A, key.signer);
    const worker = keeper();
    await worker.pinFirst();
    server.state.offline = true;
    expect(await worker.check()).toMatchObject({ running: { version: '0.1.0' }, offer: null, refusal: null });
    expect(await text(worker.serve('/app.js'))).toBe(A['/app.js']);
    server.state.offline = false;
    server.state.status = 503;
    expect(await worker.check()).toMatchObject({ running: { version: '0.1.0' }, offer: null, refusal: null });
    server.state.status = 404;
    expect((await worker.check()).refusal).toEqual({ reason: 'bad-release-manifest', version: null });
  });

  it('without a release key, it pins by hash and offers any other build as unsigned', async () => {
    await server.publish('0.1.0', A);
    const worker = keeper({ kind: 'unsigned' });
    await worker.pinFirst();
    expect((await worker.status()).trust).toBe('unsigned');
    expect((await worker.status()).releaseKey).toBeNull();
    const hashB = await server.publish('0.1.0', B);
    expect((await worker.check()).offer).toEqual({ version: '0.1.0', hash: hashB, signed: false });
    expect(await text(worker.serve('/app.js'))).toBe(A['/app.js']);
  });
});
