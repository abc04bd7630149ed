/**
 * Process-wide V8 settings for a process whose job is to be a relay (`npm start`, the benchmark's relay).
 * Not applied by createRelay itself: a library must not change the V8 of the process that embeds it.
 *
 * Allocation-site pretenuring is off. V8 watches where objects are allocated and, when most objects from
 * one allocation site are still alive at a garbage collection, allocates every later object from that site
 * directly in the old generation. A burst of logins makes exactly that true of sites inside ws and Node's
 * streams that also allocate for every forwarded frame; measured on this relay after a full collection,
 * each frame's short-lived buffers then went to the old generation: scavenges took 2–27 ms instead of
 * 0.5 ms and a full collection ran every few hundred milliseconds under load, which is what a round trip's
 * p99 sees. Without pretenuring, per-frame garbage dies young; a burst of logins costs one extra copy of
 * each connection's objects, once.
 */
import { setFlagsFromString } from 'node:v8';

export function configureRelayHeap(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}
