import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { outboxFile, outboxPathFor } from '../../client/cli/outbox-file.ts';
import { utf8 } from '../../crypto/bytes.ts';
import { testIdentity } from '../support/identities.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tincan-outbox-file-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the CLI outbox file', () => {
  test('lives beside the identity, 0600, sealed: round trip, and removed when empty', async () => {
    const path = outboxPathFor(join(dir, 'identity.json'));
    expect(path).toBe(join(dir, 'outbox.json'));
    const file = outboxFile(path, await testIdentity('alice'));
    expect(await file.load()).toBeUndefined();
    await file.save(utf8('waiting: meet at noon'));
    const raw = await readFile(path, 'utf8');
    expect(raw).not.toContain('noon');
    expect(JSON.parse(raw)).toMatchObject({ format: 'tincan-cli-outbox', version: 1 });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await file.load()).toEqual(utf8('waiting: meet at noon'));
    await file.save(null);
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
    await file.save(null); // nothing to remove: fine
  });

  test('another identity cannot open it; a damaged file is a typed error', async () => {
    const path = join(dir, 'shared.json');
    await outboxFile(path, await testIdentity('alice')).save(utf8('for bob'));
    const mallory = outboxFile(path, await testIdentity('mallory'));
    await expect(mallory.load()).rejects.toMatchObject({ name: 'ProtocolError', code: 'decrypt-failed' });
    for (const text of [
      'not json',
      '{"format":"other","version":1}',
      '{"format":"tincan-cli-outbox","version":1,"nonce":"zz","box":"00"}',
      '{"format":"tincan-cli-outbox","version":1,"nonce":"00","box":"00"}',
    ]) {
      await writeFile(path, text);
      await expect(mallory.load(), text).rejects.toMatchObject({ code: 'bad-encoding' });
    }
  });
});
