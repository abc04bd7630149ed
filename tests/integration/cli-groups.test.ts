/**
 * Groups in the `tincan` CLI against a real relay: Alice creates a group of Bob and Carol (her contacts, not
 * each other's) while they listen; each sees the creation; Bob sends to the group and Carol, listening,
 * prints it with the name the group gives him (Alice's name for him); Alice, not listening, keeps her copy
 * waiting in Bob's outbox; `groups` lists it; the groups file is for its owner only.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRelay, type Relay } from '../../relay/server.ts';
import { tincan, tincanInBackground } from '../support/cli-process.ts';

let relay: Relay;
let dir: string;
const id = (name: string) => ['--identity', join(dir, name, 'identity.json')];
const listeners: ReturnType<typeof tincanInBackground>[] = [];

beforeAll(async () => {
  relay = await createRelay({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'tincan-cli-groups-'));
  const codes: Record<string, string> = {};
  for (const name of ['alice', 'bob', 'carol']) {
    expect((await tincan(['init', '--name', name[0]!.toUpperCase() + name.slice(1), ...id(name)])).code).toBe(
      0,
    );
    codes[name] = (await tincan(['code', ...id(name)])).stdout.trim();
  }
  for (const [who, other] of [
    ['alice', 'bob'],
    ['alice', 'carol'],
    ['bob', 'alice'],
    ['carol', 'alice'],
  ] as const)
    expect((await tincan(['add', codes[other]!, '--name', other, ...id(who)])).code).toBe(0);
}, 60_000);

afterAll(async () => {
  for (const listener of listeners) await listener.stop();
  await relay?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('tincan CLI groups', () => {
  it('creates a group, and a member who is not a contact of another talks to them in it', async () => {
    const relayArgs = ['--relay', relay.url];
    const bob = tincanInBackground(['listen', ...relayArgs, ...id('bob')]);
    const carol = tincanInBackground(['listen', ...relayArgs, ...id('carol')]);
    listeners.push(bob, carol);
    await bob.waitFor(/listening on/);
    await carol.waitFor(/listening on/);

    const created = await tincan(['group-create', ...relayArgs, ...id('alice'), 'Trio', 'bob', 'carol']);
    expect(created.stdout, created.stderr).toMatch(/created group [0-9a-f]{32} "Trio"/);
    expect(created.stdout).toContain('acknowledged by 2 of 2 member(s)');
    expect(created.code).toBe(0);
    await bob.waitFor(/\[Trio\] alice created the group/);
    await carol.waitFor(/\[Trio\] alice created the group/);
    expect((await stat(join(dir, 'bob', 'groups.json'))).mode & 0o777).toBe(0o600);

    await bob.stop();
    const sent = await tincan([
      'group-send',
      ...relayArgs,
      '--timeout',
      '3',
      ...id('bob'),
      'Trio',
      'hello from bob',
    ]);
    // Alice is not listening: her copy waits in Bob's outbox (exit 3), Carol's is acknowledged.
    expect(sent.stdout, sent.stderr).toContain('acknowledged by 1 of 2 member(s)');
    expect(sent.stdout).toMatch(/kept for alice/);
    expect(sent.code).toBe(3);
    await carol.waitFor(/\[Trio\] bob \(not a contact, [0-9a-f]{8}…\): hello from bob/);

    const listed = await tincan(['groups', ...id('carol')]);
    expect(listed.stdout).toMatch(/Trio/);
    expect(listed.stdout).toMatch(/admin alice/);
    expect(listed.stdout).toMatch(/bob \(not a contact\)/);
    const unknown = await tincan(['group-send', ...relayArgs, ...id('carol'), 'Nope', 'x']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no group "Nope"/);
  }, 90_000);
});
