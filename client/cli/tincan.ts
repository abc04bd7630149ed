/** The `tincan` command's entry: what the build bundles into dist/cli/tincan.js. */
import { run } from './cli.ts';

await run(process.argv.slice(2));
