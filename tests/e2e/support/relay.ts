/** The real relay, on a free port, serving a built client. */
import { createRelay, type Relay } from '../../../relay/server.ts';

export function startRelay(staticDir: string): Promise<Relay> {
  return createRelay({ host: '127.0.0.1', port: 0, staticDir });
}
