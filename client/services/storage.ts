/**
 * IndexedDB persistence of the sealed records (never plaintext): one database, one store, the vault under one
 * key, the outbox at rest (bodies still waiting for an ack) under another, and the passkey record (the vault
 * key sealed under a passkey's PRF) under a third. Writes to both are serialized
 * so that the last save always wins, even when saves overlap, and a wipe comes after every save before it.
 */
import { clear, createStore, del, get, set, type UseStore } from 'idb-keyval';
import { ProtocolError } from '../../crypto/errors.ts';
import {
  type PasskeyRecord,
  passkeyRecordFromBytes,
  passkeyRecordToBytes,
} from '../../crypto/passkey-wrap.ts';
import { parseVaultRecord, type VaultRecord } from './vault.ts';

export const DATABASE_NAME = 'tincan';
export const STORE_NAME = 'vault';
const RECORD_KEY = 'vault-v1';
export const OUTBOX_RECORD_KEY = 'outbox-v1';
export const PASSKEY_RECORD_KEY = 'passkey-v1';

export interface VaultStore {
  load(): Promise<VaultRecord | undefined>;
  save(record: VaultRecord): Promise<void>;
  /** Removes everything this client ever stored. */
  wipe(): Promise<void>;
  /** The sealed outbox record; saving undefined removes it. */
  readonly outbox: {
    load(): Promise<VaultRecord | undefined>;
    save(record: VaultRecord | undefined): Promise<void>;
  };
  /** The passkey record (its bytes, spec/storage.md); saving undefined removes it. */
  readonly passkey: {
    load(): Promise<PasskeyRecord | undefined>;
    save(record: PasskeyRecord | undefined): Promise<void>;
  };
}

/** The idb-keyval operations used; tests pass a Map-backed fake. */
export interface KeyValue {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  del(key: string): Promise<void>;
  clear(): Promise<void>;
}

export function indexedDbKeyValue(): KeyValue {
  let store: UseStore | undefined;
  const use = () => {
    store ??= createStore(DATABASE_NAME, STORE_NAME);
    return store;
  };
  return {
    get: (key) => get(key, use()),
    set: (key, value) => set(key, value, use()),
    del: (key) => del(key, use()),
    clear: () => clear(use()),
  };
}

export function createVaultStore(kv: KeyValue = indexedDbKeyValue()): VaultStore {
  let writes: Promise<void> = Promise.resolve();
  const serialize = (work: () => Promise<void>): Promise<void> => {
    writes = writes.then(work, work);
    return writes;
  };
  return {
    async load() {
      const value = await kv.get(RECORD_KEY);
      return value === undefined ? undefined : parseVaultRecord(value);
    },
    save: (record) => serialize(() => kv.set(RECORD_KEY, record)),
    wipe: () =>
      serialize(async () => {
        await kv.del(RECORD_KEY);
        await kv.del(OUTBOX_RECORD_KEY);
        await kv.del(PASSKEY_RECORD_KEY);
        await kv.clear();
      }),
    outbox: {
      async load() {
        const value = await kv.get(OUTBOX_RECORD_KEY);
        return value === undefined ? undefined : parseVaultRecord(value);
      },
      save: (record) =>
        serialize(() => (record ? kv.set(OUTBOX_RECORD_KEY, record) : kv.del(OUTBOX_RECORD_KEY))),
    },
    passkey: {
      async load() {
        const value = await kv.get(PASSKEY_RECORD_KEY);
        if (value === undefined) return undefined;
        if (!(value instanceof Uint8Array)) throw new ProtocolError('bad-encoding', 'passkey record');
        return passkeyRecordFromBytes(value);
      },
      save: (record) =>
        serialize(() =>
          record ? kv.set(PASSKEY_RECORD_KEY, passkeyRecordToBytes(record)) : kv.del(PASSKEY_RECORD_KEY),
        ),
    },
  };
}
