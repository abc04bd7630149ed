/**
 * Preloaded into every server under test, ours or not (node --expose-gc --import):
 * - SIGUSR2 runs a full garbage collection, so RSS is read without leftover garbage, the same way for all;
 * - the end of stdin (the benchmark's pipe) ends the process, so no server outlives a killed benchmark.
 */
process.on('SIGUSR2', () => (globalThis as { gc?: () => void }).gc?.());
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
