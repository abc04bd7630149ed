/** People for messenger tests: an identity, an address book, a Messenger on a FakeRelay, and what it saw. */

import { Messenger, type MessengerEvent } from '../../client/core/messenger.ts';
import type { PeerId, PeerStatus } from '../../client/core/session-manager.ts';
import { toHex } from '../../crypto/bytes.ts';
import type { Identity } from '../../crypto/identity.ts';
import { nodeEd25519 } from '../../crypto/node/node-ed25519.ts';
import { testIdentity, testRandom } from '../support/identities.ts';
import type { FakeRelay } from './messenger-network.ts';

export const backend = nodeEd25519();

export class Clock {
  constructor(public ms = 1_790_000_000_000) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export class Person {
  readonly peer: PeerId;
  readonly statuses = new Map<PeerId, PeerStatus>();
  events: MessengerEvent[] = [];
  messenger!: Messenger;
  /** Listener failures to inject: the next N reliable events are not "stored". */
  failStores = 0;
  /** Where group events go (a GroupMessenger's receive), and who counts as a co-member. */
  onGroupEvent:
    | ((event: Extract<MessengerEvent, { type: 'group' | 'group-typing' }>) => Promise<void>)
    | undefined;
  isCoMember: (peer: PeerId) => boolean = () => false;
  /** Told of every change of what the outbox holds (to keep it at rest). */
  onOutboxChanged: (() => void) | undefined;
  private generation = 0;

  private constructor(
    readonly name: string,
    readonly identity: Identity,
    readonly relay: FakeRelay,
    readonly clock: Clock,
  ) {
    this.peer = toHex(identity.publicKey);
    this.start();
  }

  static async create(name: string, relay: FakeRelay, clock: Clock): Promise<Person> {
    return new Person(name, await testIdentity(name, backend), relay, clock);
  }

  /** A fresh Messenger, as after a reload: sessions, outbox and memory of ids are gone; contacts stay. */
  start(): void {
    this.generation++;
    this.messenger = new Messenger({
      identity: this.identity,
      backend,
      random: testRandom(`${this.name}:${this.generation}`),
      now: this.clock.now,
      transport: this.relay.transportFor(this.identity.publicKey),
      contacts: {
        status: (peer) => this.statuses.get(peer) ?? (this.isCoMember(peer) ? 'member' : 'stranger'),
        list: () => [...this.statuses].filter(([, s]) => s === 'contact').map(([peer]) => peer),
      },
      onEvent: (event) => this.record(event),
      onOutboxChanged: () => this.onOutboxChanged?.(),
    });
    if (this.relay.isConnected(this.identity.publicKey)) this.online();
  }

  private record(event: MessengerEvent): void | Promise<void> {
    if ((event.type === 'group' || event.type === 'group-typing') && this.onGroupEvent) {
      this.events.push(event);
      return this.onGroupEvent(event);
    }
    const reliable = ['message', 'contact-request', 'contact-response', 'settings', 'read'].includes(
      event.type,
    );
    if (reliable && this.failStores > 0) {
      this.failStores--;
      throw new Error('storage failed');
    }
    this.events.push(event);
  }

  online(): void {
    const messenger = this.messenger;
    this.relay.connect(this.identity.publicKey, (bytes) => messenger.receive(bytes));
  }

  offline(): void {
    this.relay.disconnect(this.identity.publicKey);
  }

  add(other: Person, status: PeerStatus = 'contact'): void {
    this.statuses.set(other.peer, status);
  }

  of<T extends MessengerEvent['type']>(type: T): Extract<MessengerEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<MessengerEvent, { type: T }> => e.type === type);
  }

  texts(from?: Person): string[] {
    return this.of('message')
      .filter((e) => !from || e.peer === from.peer)
      .map((e) => e.message.text);
  }

  delivered(): string[] {
    return this.of('delivered').flatMap((e) => e.ids);
  }
}
