#!/usr/bin/env node
// Launcher for `tincan`: runs the CLI that `npm install` (or `npm run build`) bundled into dist/cli/, and
// in a checkout that was never built, the TypeScript sources through tsx (a development dependency).
import { existsSync } from 'node:fs';

const built = new URL('../../dist/cli/tincan.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./tincan.ts');
}
