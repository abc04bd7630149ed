#!/usr/bin/env node
// Launcher for `tincan`: registers tsx (resolved from this package's own node_modules, so `npx tincan` works
// from the repository without a build step) and runs the TypeScript CLI in this process.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('./cli.ts');
await run(process.argv.slice(2));
