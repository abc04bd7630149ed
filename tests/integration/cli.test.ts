/**
 * The `tincan` CLI end to end: a real relay on port 0, identities in temporary directories, `listen` and
 * `send` as separate child processes started through the package's bin launcher, which runs the CLI bundled
 * into dist/ (the suite's global set-up bundles the current sources first).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRelay, type Relay } from '../../relay/server.ts';
import { freePort } from '../support/redis-server.ts';

const BIN = join(import.meta.dirname, '../../client/cli/bin.mjs');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function tincan(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A long-running command whose output the test can wait on. */
function background(args: string[]) {
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], { stdio: 'pipe' });
  let stdout = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stdout += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    output: () => stdout,
    type: (line: string) => child.stdin?.write(`${line}\n`),
    endInput: async (): Promise<number | null> => {
      child.stdin?.end();
      return exited;
    },
    async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stdout)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; output:\n${stdout}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(): Promise<number | null> {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

let relay: Relay;
let dir: string;
const id = (name: string) => ['--identity', join(dir, name, 'identity.json')];
const codes: Record<string, string> = {};

beforeAll(async () => {
  relay = await createRelay({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'tincan-cli-'));
  for (const name of ['alice', 'bob', 'carol']) {
    const created = await tincan(['init', '--name', name[0]!.toUpperCase() + name.slice(1), ...id(name)]);
    expect(created.code, created.stderr).toBe(0);
    const printed = await tincan(['code', ...id(name)]);
    codes[name] = printed.stdout.trim();
  }
  expect((await tincan(['add', codes.bob!, '--name', 'bob', ...id('alice')])).code).toBe(0);
  expect((await tincan(['add', codes.alice!, '--name', 'alice', ...id('bob')])).code).toBe(0);
}, 60_000);

afterAll(async () => {
  await relay?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('tincan CLI', () => {
  it('creates an identity file readable by its owner only, and never prints the seed', async () => {
    const path = join(dir, 'alice', 'identity.json');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const seed = JSON.parse(await readFile(path, 'utf8')).seed as string;
    expect(seed).toMatch(/^[0-9a-f]{64}$/);
    const again = await tincan(['init', '--name', 'Alice', ...id('alice')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    const qr = await tincan(['code', '--qr', ...id('alice')]);
    expect(qr.stdout).toContain(codes.alice);
    expect(qr.stdout).toMatch(/[▀▄█]/);
    for (const output of [qr.stdout, qr.stderr, again.stdout]) expect(output).not.toContain(seed);
  });

  it('sends a message through the relay: the listener prints it and the sender reports it delivered', async () => {
    const listener = background(['listen', '--relay', relay.url, ...id('bob')]);
    try {
      await listener.waitFor(/listening on/);
      const sent = await tincan([
        'send',
        '--relay',
        relay.url,
        ...id('alice'),
        'bob',
        'hello bob, from a terminal',
      ]);
      expect(sent.stdout, sent.stderr).toContain('delivered to bob (end-to-end acknowledged)');
      expect(sent.code).toBe(0);
      await listener.waitFor(/alice: hello bob, from a terminal/);
      // Mutual adding confirms both sides: the sender learned that from bob's contact response.
      const book = JSON.parse(await readFile(join(dir, 'alice', 'contacts.json'), 'utf8'));
      expect(book.contacts[0]).toMatchObject({ name: 'bob', confirmed: true });
      // A hostile text cannot drive the listener's terminal.
      await tincan(['send', '--relay', relay.url, ...id('alice'), 'bob', 'clear\u001b[2Jscreen']);
      await listener.waitFor(/alice: clear\uFFFD\[2Jscreen/);
      expect(listener.output()).not.toContain('\u001b[2J');
    } finally {
      expect(await listener.stop()).toBe(0);
    }
  }, 60_000);

  it('lets two people chat from two terminals', async () => {
    const alice = background(['chat', '--relay', relay.url, ...id('alice'), 'bob']);
    const bob = background(['chat', '--relay', relay.url, ...id('bob'), 'alice']);
    try {
      await alice.waitFor(/listening on/);
      await bob.waitFor(/listening on/);
      alice.type('hi bob, are you there?');
      await bob.waitFor(/alice: hi bob, are you there\?/);
      bob.type('yes, loud and clear');
      await alice.waitFor(/bob: yes, loud and clear/);
      expect(await alice.endInput()).toBe(0);
      await bob.waitFor(/alice is offline/);
    } finally {
      await Promise.all([alice.stop(), bob.stop()]);
    }
    expect(bob.output().match(/alice: hi bob/g)).toHaveLength(1);
  }, 60_000);

  it('takes several relay nodes (repeated or comma-separated) and skips one that is down', async () => {
    const down = `ws://127.0.0.1:${await freePort()}/relay`;
    const listener = background(['listen', '--relay', relay.url, '--relay', down, ...id('bob')]);
    try {
      await listener.waitFor(/listening on/);
      const sent = await tincan([
        'send',
        '--relay',
        `${down},${relay.url}`,
        ...id('alice'),
        'bob',
        'via two',
      ]);
      expect(sent.stdout, sent.stderr).toContain('delivered to bob (end-to-end acknowledged)');
      await listener.waitFor(/alice: via two/);
    } finally {
      expect(await listener.stop()).toBe(0);
    }
  }, 60_000);

  it('reports undeliverable when the contact is not connected', async () => {
    const sent = await tincan(['send', '--relay', relay.url, ...id('alice'), 'bob', 'anyone home?']);
    expect(sent.stdout).toContain('undeliverable: bob is not connected');
    expect(sent.stdout).toContain('kept: it is sent again by the next tincan send, chat or listen');
    expect(sent.code).toBe(2);
  }, 30_000);

  it('keeps what was not acknowledged, sealed next to the identity, and sends it with the next run, once', async () => {
    // Left by the test before: "anyone home?" never reached bob.
    const path = join(dir, 'alice', 'outbox.json');
    const raw = await readFile(path, 'utf8');
    expect(JSON.parse(raw)).toMatchObject({ format: 'tincan-cli-outbox', version: 1 });
    expect(raw).not.toContain('anyone home');
    expect(raw).not.toContain(Buffer.from('anyone home').toString('hex'));
    expect((await stat(path)).mode & 0o777).toBe(0o600);

    const listener = background(['listen', '--relay', relay.url, ...id('bob')]);
    try {
      await listener.waitFor(/listening on/);
      const sent = await tincan(['send', '--relay', relay.url, ...id('alice'), 'bob', 'are you back?']);
      expect(sent.code, sent.stdout).toBe(0);
      await listener.waitFor(/alice: are you back\?/);
      expect(listener.output().match(/alice: anyone home\?/g)).toHaveLength(1);
      expect(listener.output().indexOf('anyone home?')).toBeLessThan(
        listener.output().indexOf('are you back?'),
      );
      await expect
        .poll(
          () =>
            stat(path).then(
              () => 'kept',
              () => 'gone',
            ),
          { timeout: 10_000 },
        )
        .toBe('gone');
    } finally {
      expect(await listener.stop()).toBe(0);
    }
  }, 60_000);

  it('shows a stranger as a contact request, and accepts it with --accept-requests', async () => {
    const wary = background(['listen', '--relay', relay.url, ...id('bob')]);
    try {
      await wary.waitFor(/listening on/);
      const refused = await tincan([
        'send',
        '--relay',
        relay.url,
        '--timeout',
        '3',
        ...id('carol'),
        codes.bob!,
        'hi, I am carol',
      ]);
      expect(refused.code).toBe(3);
      expect(refused.stdout).toMatch(/not acknowledged.*may not have accepted your contact request/);
      await wary.waitFor(/contact request from "Carol" \(safety number (\d{5} ){11}\d{5}\)/);
      expect(wary.output()).not.toContain('hi, I am carol');
    } finally {
      await wary.stop();
    }
    const open = background(['listen', '--relay', relay.url, '--accept-requests', ...id('bob')]);
    try {
      await open.waitFor(/listening on/);
      const sent = await tincan(['send', '--relay', relay.url, ...id('carol'), codes.bob!, 'hi again']);
      expect(sent.code, sent.stdout).toBe(0);
      await open.waitFor(/accepted contact request from "Carol" as Carol/);
      await open.waitFor(/Carol: hi again/);
    } finally {
      await open.stop();
    }
    const book = JSON.parse(await readFile(join(dir, 'bob', 'contacts.json'), 'utf8'));
    expect(book.contacts.map((c: { name: string }) => c.name)).toEqual(['alice', 'Carol']);
  }, 60_000);

  it('seals the seed under a passphrase when asked, and refuses a wrong one', async () => {
    const secret = { TINCAN_PASSPHRASE: 'correct horse battery staple' };
    const created = await tincan(['init', '--name', 'Dave', '--encrypt', ...id('dave')], secret);
    expect(created.code, created.stderr).toBe(0);
    const file = JSON.parse(await readFile(join(dir, 'dave', 'identity.json'), 'utf8'));
    expect(file.seed).toBeUndefined();
    expect(file.sealed).toMatchObject({ kdf: 'scrypt', N: 131072, r: 8, p: 1 });
    const wrong = await tincan(['send', '--relay', relay.url, ...id('dave'), codes.bob!, 'x'], {
      TINCAN_PASSPHRASE: 'wrong',
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/wrong passphrase/);
    const right = await tincan(['send', '--relay', relay.url, ...id('dave'), codes.bob!, 'x'], secret);
    expect(right.stdout).toMatch(/undeliverable/);
  }, 30_000);

  it('refuses bad input with a clear message and a non-zero status', async () => {
    const badCode = await tincan(['add', 'TC1NOTACODE', '--name', 'x', ...id('alice')]);
    expect(badCode.code).toBe(1);
    expect(badCode.stderr).toMatch(/not a valid contact code/);
    const sameName = await tincan(['add', codes.carol!, '--name', 'bob', ...id('alice')]);
    expect(sameName.stderr).toMatch(/DIFFERENT key/);
    const unknownCommand = await tincan(['frobnicate']);
    expect(unknownCommand.code).toBe(1);
    const badFlag = await tincan(['send', '--nope']);
    expect(badFlag.code).toBe(64);
  }, 30_000);
});
