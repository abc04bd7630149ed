/**
 * One unlocked session: the identity, the address book, the chats, the relay connection and the messenger
 * service that ties them together. Created at unlock, disposed at lock; nothing in it outlives that but the
 * messages still waiting for an ack, which the outbox keeps sealed at rest (pending-outbox.ts).
 */
import { effect, signal } from '@preact/signals';
import { fromHex, type RandomSource, toHex } from '../../crypto/bytes.ts';
import { contactLink, encodeContactCode, formatContactCode } from '../../crypto/contact-code.ts';
import type { Ed25519Backend } from '../../crypto/ed25519.ts';
import { type Identity, identityFromSeed } from '../../crypto/identity.ts';
import { createKeyRotation, keyRotationToBytes } from '../../crypto/key-rotation.ts';
import type { X25519Backend } from '../../crypto/x25519.ts';
import { isAcceptableDisplayName } from '../core/chat-protocol.ts';
import { GroupMessenger } from '../core/group-messenger.ts';
import { GroupRegistry } from '../core/group-registry.ts';
import { Messenger, type MessengerEvent } from '../core/messenger.ts';
import type { OutboxStorage } from '../core/outbox-store.ts';
import { type RelayConnectionOptions, RelayUnavailableError } from '../services/relay-connection.ts';
import type { CallServiceDeps } from '../services/rtc/call-service.ts';
import type { SaveProfile, Session, SessionFactory } from './app.ts';
import { type CallServiceLike, createCallModel, settingsStorage } from './call.ts';
import { callLineOf } from './call-lines.ts';
import { createConnectionModel } from './connection.ts';
import { createContactsModel } from './contacts.ts';
import { type ChatLine, createConversationsModel } from './conversations.ts';
import { createFileModel } from './files.ts';
import { createGroupCallModel } from './group-calls.ts';
import { createGroupsModel } from './groups.ts';
import { chatMessagesByPeer, createPendingOutboxModel } from './pending-outbox.ts';
import { PROFILE_VERSION, type ProfileData, profileFromBytes, profileToBytes } from './profile-data.ts';

/** What a session needs from the page it runs in. */
export interface SessionEnvironment {
  readonly random: RandomSource;
  readonly backend: () => Promise<Ed25519Backend>;
  /** Native X25519 where the platform has it; tweetnacl when absent. */
  readonly x25519?: () => Promise<X25519Backend>;
  /** ws(s):// URL of the relay. */
  readonly relayUrl: string;
  /** The deployment's other relay nodes (ws(s):// URLs), tried in turn when one fails. */
  readonly otherRelayUrls?: readonly string[];
  /** The page's origin, for contact links (`origin/#add=CODE`). */
  readonly origin: string;
  readonly now?: () => number;
  readonly events?: Pick<Window, 'addEventListener' | 'removeEventListener'> & { document?: Document };
  readonly relayOptions?: Partial<RelayConnectionOptions>;
  /** Period of the messenger's timers (resends, presence) and of disappearing-message checks. */
  readonly tickMs?: number;
  /** Makes the call service from what the session gives it; the app's own CallService when absent. */
  readonly createCallService?: (deps: CallServiceDeps) => CallServiceLike;
}

export interface SessionDeps extends Omit<SessionEnvironment, 'backend'> {
  readonly identity: Identity;
  readonly backend: Ed25519Backend;
  readonly profile: ProfileData;
  /** Stores the profile (sealed); resolves once written. */
  readonly save: (profile: ProfileData) => Promise<void>;
  /** Keeps the outbox's waiting bodies (sealed under the profile's key); without it they live in memory. */
  readonly outbox?: OutboxStorage;
  /** Threads from the session before this one (our own key change). */
  readonly threads?: ReadonlyMap<string, readonly ChatLine[]>;
  /** Where rotateIdentity leaves the threads for the session under the new key. */
  readonly handOver?: (handover: Handover) => void;
}

/** What one session leaves the next when our key changes: chat lives in memory, so it is passed on. */
export interface Handover {
  /** The new identity's seed (hex): only the session opened with it takes the threads. */
  readonly seed: string;
  readonly threads: ReadonlyMap<string, readonly ChatLine[]>;
}

export function createSessionFactory(env: SessionEnvironment): SessionFactory<SessionModel> {
  const now = env.now ?? (() => Date.now());
  let handover: Handover | undefined;
  const start = async (
    profile: ProfileData,
    save: SaveProfile,
    outbox: OutboxStorage | undefined,
  ): Promise<SessionModel> => {
    const backend = await env.backend();
    const identity = await identityFromSeed(backend, fromHex(profile.seed), await env.x25519?.());
    const threads = handover?.seed === profile.seed ? handover.threads : undefined;
    handover = undefined;
    return createSession({
      ...env,
      backend,
      identity,
      profile,
      save: (next) => save(profileToBytes(next)),
      ...(outbox ? { outbox } : {}),
      ...(threads ? { threads } : {}),
      handOver: (next) => {
        handover = next;
      },
    });
  };
  return {
    displayNameProblem: (name) =>
      isAcceptableDisplayName(name) ? undefined : 'That name has characters that are not allowed.',
    async create(displayName, save, outbox) {
      const profile: ProfileData = {
        version: PROFILE_VERSION,
        seed: toHex(env.random(32)),
        displayName,
        createdAt: now(),
        contacts: [],
      };
      await save(profileToBytes(profile));
      return start(profile, save, outbox);
    },
    open: (plaintext, save, outbox) => start(profileFromBytes(plaintext), save, outbox),
  };
}

export function createSession(deps: SessionDeps) {
  const now = deps.now ?? (() => Date.now());
  const { identity } = deps;
  const profile = signal<ProfileData>(deps.profile);
  const keyHex = toHex(identity.publicKey);

  let messenger: Messenger | undefined;
  const contacts = createContactsModel({
    profile,
    commit: deps.save,
    messenger: () => messenger!,
    myKey: identity.publicKey,
    now,
  });
  const chats = createConversationsModel({
    messenger: () => messenger!,
    contacts,
    now,
    ...(deps.threads ? { threads: deps.threads } : {}),
  });

  const registry = new GroupRegistry(keyHex);
  try {
    registry.restore(profile.value.groups ?? []);
  } catch {
    // A group whose statements no longer parse is dropped: the rest of the profile still opens.
  }
  let groupMessenger: GroupMessenger | undefined;
  const groups = createGroupsModel({
    messenger: () => groupMessenger!,
    registry,
    myKey: keyHex,
    myName: () => profile.value.displayName,
    contact: (key) => contacts.byKey(key),
    changeProfile: contacts.changeProfile,
    now,
  });

  const connection = createConnectionModel({
    url: deps.relayUrl,
    ...(deps.otherRelayUrls ? { otherUrls: deps.otherRelayUrls } : {}),
    identity,
    onEnvelope: (bytes) => {
      void messenger?.receive(bytes).catch(() => {});
    },
    ...(deps.events ? { events: deps.events } : {}),
    ...(deps.relayOptions ? { relayOptions: deps.relayOptions } : {}),
  });

  const onEvent = (event: MessengerEvent): void | Promise<void> => {
    switch (event.type) {
      case 'message':
        chats.received(event.peer, event.message);
        return;
      case 'group':
      case 'group-typing':
        return groupMessenger?.receive(event);
      case 'delivered':
        chats.delivered(event.peer, event.ids);
        groups.delivered(event.peer, event.ids);
        return contacts.delivered(event.peer, event.ids);
      case 'read':
        chats.readBy(event.peer, event.ids);
        return;
      case 'typing':
        chats.theyAreTyping(event.peer, event.typing);
        return;
      case 'presence':
        contacts.setOnline(event.peer, event.online);
        return;
      case 'contact-request':
        return contacts.receivedRequest(event.peer, event.displayName, event.id);
      case 'contact-response':
        return contacts.receivedResponse(event.peer, event.accepted);
      case 'settings':
        return chats.timerFromThem(event.peer, event.expiresInSeconds, event.setAt);
      case 'key-rotation':
        return contacts.receivedRotation(event.peer, event.previousKey).then((moved) => {
          if (!moved) return;
          chats.moveThread(event.previousKey, event.peer);
          const name = contacts.byKey(event.peer)?.name ?? 'This contact';
          chats.system(
            event.peer,
            `${name} changed their identity key. Compare safety numbers to verify them again.`,
          );
        });
      case 'send-failed':
        chats.failed(event.peer, event.id);
        return;
      case 'envelope': {
        // A group call's bodies, and the call bodies of its legs, go to the group calls only (a leg never rings).
        if (groupCalls.claims(event.peer, event.kind, event.body))
          return groupCalls.receive(event.peer, event.kind, event.body);
        // Calls: call signalling goes to the call model (it ignores other kinds), and a file
        // session's (data offers) to the file model; from contacts only (a co-member may only signal group calls).
        const contact = contacts.byKey(event.peer);
        if (!contact || contact.state === 'incoming') return;
        void files.receive(event.peer, event.kind, event.body);
        return calls.receive(event.peer, event.kind, event.body);
      }
      default:
        // established, dropped (hostile or stale bytes): nothing to show in chat.
        return;
    }
  };

  messenger = new Messenger({
    identity,
    backend: deps.backend,
    random: deps.random,
    now,
    transport: {
      // Calls: over a verified call's data channel when there is one, else through the relay.
      send: (recipient, bytes) =>
        calls.service.sendDirect(toHex(recipient), bytes) ?? connection.relay.send(recipient, bytes),
    },
    contacts: {
      status: (peer) => {
        const contact = contacts.byKey(peer);
        if (contact?.blocked) return 'blocked';
        if (contact && contact.state !== 'incoming') return 'contact';
        return registry.isCoMember(peer) ? 'member' : 'stranger';
      },
      // Contacts, and co-members who are not contacts (the group shows who is online).
      list: () => {
        const keys = contacts.contacts.value
          .filter((c) => c.state === 'accepted' && !c.blocked)
          .map((c) => c.key);
        const known = new Set(contacts.contacts.value.map((c) => c.key));
        return [...keys, ...registry.coMembers().filter((key) => !known.has(key))];
      },
    },
    onEvent,
    onOutboxChanged: () => pendingOutbox.changed(),
  });
  groupMessenger = new GroupMessenger({
    identity,
    backend: deps.backend,
    random: deps.random,
    now,
    messenger,
    registry,
    contacts: {
      status: (peer) => {
        const contact = contacts.byKey(peer);
        if (contact?.blocked) return 'blocked';
        return contact && contact.state !== 'incoming' ? 'contact' : 'stranger';
      },
    },
    onEvent: (event) => {
      if (event.type === 'group-changed') groupCalls.membersChanged(event.groupId);
      return groups.receive(event);
    },
  });
  const outbox = messenger.outbox;
  const pendingOutbox = createPendingOutboxModel({
    ...(deps.outbox ? { storage: deps.outbox } : {}),
    owner: keyHex,
    entries: () => outbox.saved(),
    nameOf: (key) => contacts.byKey(key)?.name,
  });

  // Calls: signalling through the messenger's sessions, TURN from the relay.
  const calls = createCallModel({
    myKey: identity.publicKey,
    random: deps.random,
    now,
    sendEnvelope: (peer, kind, body) => messenger!.sessions.send(peer, kind, body),
    receiveEnvelope: (bytes) => void messenger?.receive(bytes).catch(() => {}),
    requestTurn: () => connection.relay.requestTurn(),
    turnAvailable: () => connection.state.value.turnAvailable,
    contact: (peer) => contacts.byKey(peer),
    markVerified: (peer) => contacts.setVerified(peer, true),
    onEnded: (call) => {
      const line = callLineOf(call);
      if (line) chats.callEnded(call.peer, line);
    },
    ...settingsStorage(),
    ...(deps.createCallService ? { createService: deps.createCallService } : {}),
  });
  // Files from the chat: signalled like calls, under the same "hide my IP address" setting.
  const files = createFileModel({
    random: deps.random,
    now,
    sendEnvelope: (peer, kind, body) => messenger!.sessions.send(peer, kind, body),
    requestTurn: () => connection.relay.requestTurn(),
    turnAvailable: () => connection.state.value.turnAvailable,
    isVerified: (peer) => contacts.byKey(peer)?.verified ?? false,
    hideIp: () => calls.hideIp.value,
  });

  // Group calls: one call per pair of participants, among the members of a group (its signed membership).
  const groupCalls = createGroupCallModel({
    myKey: identity.publicKey,
    random: deps.random,
    now,
    sendEnvelope: (peer, kind, body) => messenger!.sessions.send(peer, kind, body),
    requestTurn: () => connection.relay.requestTurn(),
    turnAvailable: () => connection.state.value.turnAvailable,
    hideIp: () => calls.hideIp.value,
    membersOf: (id) => (registry.isActive(id) ? (registry.get(id)?.members.map((m) => m.key) ?? null) : null),
    groupName: (id) => registry.get(id)?.name ?? 'Group',
    memberName: (id, key) => groups.nameOf(id, key),
    isVerified: (key) => contacts.byKey(key)?.verified ?? false,
  });

  // Every time the relay says READY: resend what was pending, ping contacts (after a takeover, with new
  // sessions). Every time it goes: every contact offline, in the messenger as on screen.
  let wasOnline = false;
  let takenOver = false;
  const stopWatchingConnection = effect(() => {
    const { status, stopReason } = connection.state.value;
    const online = status === 'online';
    if (status === 'stopped' && stopReason === 'replaced') takenOver = true;
    if (online && !wasOnline) {
      messenger?.relayReconnected({ takenOver });
      takenOver = false;
    }
    if (!online && wasOnline) messenger?.relayLost();
    wasOnline = online;
  });

  // A page that goes away (closed, reloaded, navigated from) says goodbye first: the goodbyes sealed ahead
  // reach the socket before it is closed. A page the browser keeps and shows again reconnects.
  const onPageHide = () => {
    void messenger?.leave().catch(() => {});
    connection.relay.stop();
  };
  const onPageShow = (event: Event) => {
    if ((event as Event & { persisted?: boolean }).persisted) connection.start();
  };
  deps.events?.addEventListener('pagehide', onPageHide);
  deps.events?.addEventListener('pageshow', onPageShow);

  const ticker = setInterval(() => {
    messenger?.tick();
    chats.prune(now());
    groups.prune(now());
  }, deps.tickMs ?? 1000);

  const code = encodeContactCode({ publicKey: identity.publicKey, displayName: profile.value.displayName });
  contacts.resendPendingRequests();
  contacts.resendPendingRotation();
  // What the previous session left waiting goes out again, and shows in its thread as waiting.
  const restoring = pendingOutbox.restore((entries) => {
    const { restored, expired } = messenger!.restoreOutbox(entries);
    for (const [key, messages] of chatMessagesByPeer(restored))
      chats.restorePending(key, messages, 'waiting');
    for (const [key, messages] of chatMessagesByPeer(expired)) chats.restorePending(key, messages, 'failed');
  });
  connection.start();

  let disposed = false;
  return {
    me: {
      key: keyHex,
      displayName: profile.value.displayName,
      code,
      formattedCode: formatContactCode(code),
      link: linkFor(deps.origin, code),
    },
    contacts,
    chats,
    groups,
    connection,
    calls,
    groupCalls,
    /** Our messages still waiting for an ack, per contact, and the warning that names them. */
    pending: pendingOutbox,
    files,
    /**
     * A new identity key for us, signed over by the current one: stores the profile with the new seed and the
     * rotation still to be told to every contact, and returns it. The caller starts a new session with it.
     */
    async rotateIdentity(): Promise<Uint8Array> {
      const seed = deps.random(32);
      const next = await identityFromSeed(deps.backend, seed, identity.x25519);
      const rotation = await createKeyRotation(identity, next, now());
      await contacts.startRotation(toHex(seed), toHex(keyRotationToBytes(rotation)));
      deps.handOver?.({
        seed: toHex(seed),
        threads: chats.handOver(
          'You changed your identity key. This contact is told automatically and has to verify you again.',
        ),
      });
      return profileToBytes(profile.value);
    },
    /** For tests and diagnostics. */
    get messenger(): Messenger {
      return messenger!;
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      clearInterval(ticker);
      deps.events?.removeEventListener('pagehide', onPageHide);
      deps.events?.removeEventListener('pageshow', onPageShow);
      stopWatchingConnection();
      await restoring;
      calls.dispose();
      groupCalls.dispose();
      files.dispose();
      const leaving = messenger?.leave().catch(() => {});
      chats.dispose();
      // The goodbyes sealed ahead are on the socket already; give any other a moment, then close it (what is
      // queued is written first). The messenger goes with the session.
      await Promise.race([leaving, new Promise((resolve) => setTimeout(resolve, 300))]);
      messenger = undefined;
      connection.dispose();
      await pendingOutbox.settled();
    },
  } satisfies Session & Record<string, unknown>;
}

function linkFor(origin: string, code: string): string | undefined {
  try {
    return contactLink(origin, code);
  } catch {
    // Not an https (or loopback http) origin: no link to offer, the code still works.
    return undefined;
  }
}

export { RelayUnavailableError };
export type SessionModel = ReturnType<typeof createSession>;
