/**
 * What `npm run build:client` ships holds no way for a page to make the app misbehave or to read its state from
 * outside: the call misbehaviours and the global the call suites read live in the test-only build entry
 * (tests/e2e/support/test-client/), never in the product.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type BuiltClient, buildClient } from '../e2e/support/build-client.ts';

/** The names of the test entry's globals and misbehaviours, and of the build flag that once switched them on. */
const TEST_NAMES = [
  'tincanCallHooks',
  'tincanCalls',
  'presentOtherCertificate',
  'tamperSdp',
  'tamperFingerprint',
  'dropFirstAccept',
  'gateDelayMs',
  'checkDelayMs',
  'claimedFingerprint',
  'simulateConnectionFailure',
  'TEST_HOOKS',
  'testHooks',
];

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

let client: BuiltClient;

beforeAll(async () => {
  client = await buildClient();
}, 120_000);

afterAll(async () => {
  await client?.remove();
});

describe('the production client bundle', () => {
  test('carries no test door: none of the test entry’s names is in any built file', async () => {
    const files = await filesUnder(client.dir);
    expect(files.some((file) => file.endsWith('.js'))).toBe(true);
    const found: string[] = [];
    for (const file of files) {
      const text = await readFile(file, 'latin1');
      for (const name of TEST_NAMES) if (text.includes(name)) found.push(`${name} in ${file}`);
    }
    expect(found).toEqual([]);
  });
});
