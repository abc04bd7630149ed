/**
 * A Messenger on a relay connection, for the CLI (and anything else headless): it adapts the relay client
 * to the messenger's Transport, feeds delivered envelopes in, runs the messenger's timers, and reconnects
 * when the relay goes away (unless the close says not to): to the next of the deployment's relay nodes at
 * once, and with jittered exponential backoff once every node has failed (relay-rotation.ts). With an
 * outbox storage, what waits for an ack is kept there after every change and sent again by the next node.
 */
import { randomBytes } from 'node:crypto';
import { toHex } from '../../crypto/bytes.ts';
import type { Identity } from '../../crypto/identity.ts';
import { RELAY_CLOSE_ADVICE, relayCloseReason } from '../../crypto/relay-close-codes.ts';
import { Messenger, type MessengerOptions } from '../core/messenger.ts';
import { isKeptAtRest } from '../core/outbox-record.ts';
import { OutboxAtRest, type OutboxStorage } from '../core/outbox-store.ts';
import { RelayRotation } from '../core/relay-rotation.ts';
import type { Transport } from '../core/session-manager.ts';
import { backend } from './identity-file.ts';
import { type CloseInfo, connectRelay, type RelayClient } from './relay-client.ts';

export const TICK_MS = 1000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;

export interface ChatNodeOptions {
  /** ws(s):// URL of the relay: the one tried first. */
  readonly url: string;
  /** The deployment's other relay nodes, tried in turn when one fails. */
  readonly otherUrls?: readonly string[];
  readonly identity: Identity;
  readonly contacts: MessengerOptions['contacts'];
  readonly onEvent: MessengerOptions['onEvent'];
  /** Reconnect after the relay goes away (listen, chat); a one-shot send does not. */
  readonly reconnect: boolean;
  readonly onConnection?: (state: 'connected' | 'reconnecting' | 'stopped', detail?: string) => void;
  /** Where the outbox is kept between runs (outbox-file.ts); without it, it lives as long as the node. */
  readonly outbox?: OutboxStorage;
}

export interface ChatNode {
  readonly messenger: Messenger;
  close(): Promise<void>;
}

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

export async function startChatNode(options: ChatNodeOptions): Promise<ChatNode> {
  let client: RelayClient | undefined;
  let stopped = false;
  const rotation = new RelayRotation([options.url, ...(options.otherUrls ?? [])]);
  const transport: Transport = {
    async send(recipient, bytes) {
      if (!client) throw new Error('not connected to the relay');
      return (await client.send(recipient, bytes)) === 'forwarded' ? 'sent' : 'undeliverable';
    },
  };
  const messenger = new Messenger({
    identity: options.identity,
    backend,
    random,
    now: Date.now,
    transport,
    contacts: options.contacts,
    onEvent: options.onEvent,
    onOutboxChanged: () => atRest?.changed(),
  });
  const atRest =
    options.outbox &&
    new OutboxAtRest(options.outbox, toHex(options.identity.publicKey), () =>
      messenger.outbox.saved().filter(isKeptAtRest),
    );
  const connectTo = (url: string) =>
    connectRelay({
      url,
      identity: options.identity,
      // The relay client hands out a view of its receive buffer; the messenger keeps what it is given.
      onDeliver: (envelope) => void messenger.receive(envelope.slice()),
    });
  /** Each node once, from the current one on; the last error if none lets us in. */
  const connect = async (): Promise<RelayClient> => {
    let lastError: unknown;
    for (let tried = 0; tried < rotation.size; tried++) {
      try {
        const connected = await connectTo(rotation.current);
        rotation.succeeded();
        return connected;
      } catch (error) {
        lastError = error;
        rotation.failed();
      }
    }
    throw lastError;
  };

  const watch = (connected: RelayClient): void => {
    void connected.closed.then((info) => {
      if (client === connected) client = undefined;
      if (!stopped) void reconnectAfter(info);
    });
  };
  const reconnectAfter = async (info: CloseInfo): Promise<void> => {
    const reason = relayCloseReason(info.code);
    if (!options.reconnect || (reason && RELAY_CLOSE_ADVICE[reason] === 'stop')) {
      stopped = true;
      options.onConnection?.('stopped', reason ?? `close code ${info.code}`);
      return;
    }
    // The node we were on is gone: the others are tried at once, then every node after a backoff.
    rotation.failed();
    for (let attempt = 0; !stopped; attempt++) {
      options.onConnection?.('reconnecting', reason ?? `close code ${info.code}`);
      if (attempt > 0 || rotation.size === 1) {
        const ceiling = Math.min(
          BACKOFF_MAX_MS,
          BACKOFF_BASE_MS * 2 ** (rotation.size === 1 ? attempt : attempt - 1),
        );
        await new Promise((resolve) => setTimeout(resolve, ceiling / 2 + Math.random() * (ceiling / 2)));
      }
      if (stopped) return;
      try {
        client = await connect();
      } catch {
        continue;
      }
      watch(client);
      options.onConnection?.('connected');
      messenger.relayReconnected();
      return;
    }
  };

  client = await connect();
  watch(client);
  options.onConnection?.('connected');
  // What an earlier run could not get acknowledged goes out now (a record that cannot be read is replaced).
  await atRest?.restore((entries) => messenger.restoreOutbox(entries));
  const timer = setInterval(() => messenger.tick(), TICK_MS);
  return {
    messenger,
    async close() {
      stopped = true;
      clearInterval(timer);
      await client?.close();
      await atRest?.settled();
    },
  };
}
