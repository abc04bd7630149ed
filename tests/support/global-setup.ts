/**
 * Runs once before any suite: bundles the relay and the CLI from the current sources into dist/, as
 * `npm install` does, so the suites that start them the documented way (`npm start`, the `tincan` launcher)
 * test what ships, and no two suites rebuild the same files while another reads them.
 */
import { buildRelay } from './relay-process.ts';

export default function setup(): void {
  buildRelay();
}
