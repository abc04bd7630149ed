/**
 * Preloaded into every server under test, ours or not (node --expose-gc --import):
 * - SIGUSR2 runs a full garbage collection, so RSS is read without leftover garbage, the same way for all,
 *   then prints the JS heap in use (`bench-memory heapUsed=<bytes>` on stderr): unlike RSS it does not
 *   depend on how large V8 has grown its young generation, so it shows the per-connection cost apart;
 * - the end of stdin (the benchmark's pipe) ends the process, so no server outlives a killed benchmark.
 */
process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
  process.stderr.write(`bench-memory heapUsed=${process.memoryUsage().heapUsed}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
