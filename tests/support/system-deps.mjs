#!/usr/bin/env node
// Runs before `npm test`: the suites start a real Chromium, redis-server and coturn. Where one is missing,
// install it (Debian, as root) or stop at once with the exact command that installs it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const onPath = (command) =>
  spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const chromiumPaths = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
  Boolean,
);

const needs = [
  { what: 'Chromium', pkg: 'chromium', present: () => chromiumPaths.some((p) => existsSync(p)) },
  { what: 'Redis', pkg: 'redis-server', present: () => onPath('redis-server') },
  { what: 'coturn', pkg: 'coturn', present: () => onPath('turnserver') },
  { what: 'strace', pkg: 'strace', present: () => onPath('strace') },
];

const missing = needs.filter((need) => !need.present());
if (missing.length === 0) process.exit(0);

const packages = missing.map((need) => need.pkg).join(' ');
const command = `apt-get update && apt-get install -y ${packages}`;
const canInstall = process.getuid?.() === 0 && onPath('apt-get');
if (!canInstall) {
  console.error(
    `The tests need ${missing.map((n) => n.what).join(', ')}. Install with:\n  sudo sh -c '${command}'`,
  );
  process.exit(1);
}
console.log(`Installing ${packages} (needed by the tests) ...`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('sh', ['-c', command], { stdio: 'inherit', env });
const still = needs.filter((need) => !need.present());
if (still.length > 0) {
  console.error(`Still missing after install: ${still.map((n) => n.what).join(', ')}`);
  process.exit(1);
}
