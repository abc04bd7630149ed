/**
 * Files sent from the chat, as signals for the UI: one line per file in the contact's thread, with progress,
 * the question to the receiver, and the outcome. The file session service does the work.
 */
import { computed, type ReadonlySignal, signal } from '@preact/signals';
import {
  type FileLine,
  type FileSessionDeps,
  FileSessionService,
} from '../services/rtc/file-session-service.ts';
import { type FileSource, fileSource } from '../services/rtc/file-transfer.ts';

export type { FileLine };

/** What the model uses of the service: the real one, or a fake in tests. */
export type FileSessionsLike = Pick<
  FileSessionService,
  'send' | 'accept' | 'decline' | 'cancel' | 'dismiss' | 'receive' | 'dispose'
>;

/** What the session gives the model: the service's own dependencies (files follow the calls' "hide my IP"). */
export type FileModelDeps = Pick<
  FileSessionDeps,
  'random' | 'now' | 'sendEnvelope' | 'requestTurn' | 'turnAvailable' | 'isVerified' | 'hideIp'
> & {
  readonly createService?: (deps: FileSessionDeps) => FileSessionsLike;
};

export function createFileModel(deps: FileModelDeps) {
  const lines = signal<readonly FileLine[]>([]);
  const service = (deps.createService ?? ((d) => new FileSessionService(d)))({
    random: deps.random,
    ...(deps.now ? { now: deps.now } : {}),
    sendEnvelope: deps.sendEnvelope,
    requestTurn: deps.requestTurn,
    turnAvailable: deps.turnAvailable,
    isVerified: deps.isVerified,
    hideIp: deps.hideIp,
    onChange: (next) => {
      lines.value = next;
    },
  });

  /** Lines by contact, oldest first. */
  const byPeer = computed(() => {
    const map = new Map<string, FileLine[]>();
    for (const line of [...lines.value].sort((a, b) => a.at - b.at)) {
      const list = map.get(line.peer) ?? [];
      list.push(line);
      map.set(line.peer, list);
    }
    return map as ReadonlyMap<string, readonly FileLine[]>;
  });

  return {
    lines: lines as ReadonlySignal<readonly FileLine[]>,
    byPeer,
    /** Offers a file picked in the chat (a browser File) or any other source. */
    send: (peer: string, file: File | FileSource) =>
      service.send(peer, 'read' in file ? file : fileSource(file)),
    accept: (id: string) => service.accept(id),
    decline: (id: string) => service.decline(id),
    cancel: (id: string) => service.cancel(id),
    dismiss: (id: string) => service.dismiss(id),
    /** A call-kind envelope body from the messenger (data offers and their sessions; calls are ignored). */
    receive: (peer: string, kind: number, body: Uint8Array) => service.receive(peer, kind, body),
    dispose: () => service.dispose(),
  };
}

export type FileModel = ReturnType<typeof createFileModel>;
