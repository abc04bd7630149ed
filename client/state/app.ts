/**
 * The app's lifecycle: no identity yet (welcome), locked, unlocked. Unlocking derives the vault key with the
 * slow KDF and decrypts the profile; the session factory (loaded lazily: it carries the protocol code and
 * the unlocked UI, which the first screen does not need) turns the profile into a session of contacts,
 * chats and the relay connection. Locking disposes the session and drops every reference to keys and
 * history; the UI then reloads the page so nothing of them stays in this JavaScript heap.
 */
import { batch, signal } from '@preact/signals';
import { type RandomSource, utf8 } from '../../crypto/bytes.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import type { OutboxStorage } from '../core/outbox-store.ts';
import { isPasskeyError, type PasskeyCredentials, PasskeyError } from '../services/passkey.ts';
import type { VaultStore } from '../services/storage.ts';
import {
  newVaultKey,
  OUTBOX_AAD_LABEL,
  openVault,
  openVaultWithKey,
  type ScryptParams,
  sealVault,
  type VaultKey,
  type VaultRecord,
  vaultFromText,
  vaultToText,
} from '../services/vault.ts';
import { addPasskey, vaultKeyFromPasskey } from './passkey-unlock.ts';

export type Phase = 'loading' | 'welcome' | 'locked' | 'unlocked' | 'locking';
export type Busy = 'creating' | 'unlocking' | 'importing' | 'rotating' | 'rekeying' | 'adding-passkey' | null;
/** Whether this browser holds a passkey record for the vault; 'unsupported' when it certainly cannot. */
export type PasskeyState = 'none' | 'registered' | 'unsupported';

/** Stores a changed profile (its plaintext bytes), sealed under the unlocked vault key. */
export type SaveProfile = (plaintext: Uint8Array) => Promise<void>;

export interface Session {
  /** Resolves once the session has let go of everything (connection closed, its waiting outbox stored). */
  dispose(): Promise<void>;
  /** Stores a profile with a new identity key that the current one signed over to; returns it. */
  rotateIdentity(): Promise<Uint8Array>;
}

/** Turns profiles into sessions; lives in the lazily loaded part of the app. */
export interface SessionFactory<S extends Session> {
  /** Why this display name cannot be used, or undefined. */
  displayNameProblem(name: string): string | undefined;
  /**
   * A new identity with this name: stored with `save` before the session starts. `outbox` keeps the bodies
   * still waiting for an ack, sealed under the same key as the profile.
   */
  create(displayName: string, save: SaveProfile, outbox?: OutboxStorage): Promise<S>;
  /** A stored profile. Throws ProtocolError for a profile it cannot read. */
  open(plaintext: Uint8Array, save: SaveProfile, outbox?: OutboxStorage): Promise<S>;
}

export interface AppDeps<S extends Session> {
  readonly store: VaultStore;
  readonly subtle: SubtleCrypto;
  readonly random: RandomSource;
  readonly loadSessions: () => Promise<SessionFactory<S>>;
  /** Tests pass cheap parameters; the app uses the default (spec/storage.md, Key derivation). */
  readonly scrypt?: ScryptParams;
  /**
   * Runs after lock and delete instead of showing the locked (or welcome) screen: the page reloads, so no
   * key or message survives in this JavaScript heap even as unreachable garbage.
   */
  readonly afterLock?: () => void;
  /** WebAuthn, for passkey unlock; without it only the passphrase unlocks. */
  readonly passkeys?: PasskeyCredentials;
}

export const MIN_PASSPHRASE_LENGTH = 8;
/** As chat-protocol's MAX_DISPLAY_NAME_BYTES; the session factory does the full check. */
const MAX_NAME_BYTES = 64;

export function passphraseProblem(passphrase: string, confirmation: string): string | undefined {
  if ([...passphrase].length < MIN_PASSPHRASE_LENGTH)
    return `Use at least ${MIN_PASSPHRASE_LENGTH} characters; a few unrelated words work well.`;
  if (passphrase !== confirmation) return 'The two passphrases are not the same.';
  return undefined;
}

/** The quick check the form does before anything slow runs. */
export function displayNameProblem(name: string): string | undefined {
  const trimmed = name.trim().normalize('NFC');
  if (trimmed.length === 0) return 'Choose a name your contacts will see.';
  if (utf8(trimmed).length > MAX_NAME_BYTES) return 'That name is too long.';
  return undefined;
}

export function createApp<S extends Session>(deps: AppDeps<S>) {
  const phase = signal<Phase>('loading');
  const busy = signal<Busy>(null);
  const progress = signal(0);
  const error = signal<string | null>(null);
  /** The stable code of the last failure (ProtocolError or PasskeyError), beside its text. */
  const errorCode = signal<string | null>(null);
  const passkey = signal<PasskeyState>('none');
  const session = signal<S | null>(null);
  let vaultKey: VaultKey | undefined;

  const platform = {
    subtle: deps.subtle,
    random: deps.random,
    onProgress: (fraction: number) => {
      progress.value = fraction;
    },
  };

  // Every write of the record goes through this queue, so a passphrase change never interleaves with a save.
  let writing: Promise<void> = Promise.resolve();
  const queueWrite = (work: () => Promise<void>): Promise<void> => {
    const next = writing.then(work);
    writing = next.catch(() => {});
    return next;
  };

  const saveProfile: SaveProfile = (plaintext) =>
    queueWrite(async () => {
      const key = vaultKey;
      if (!key) throw new Error('locked');
      const record = await sealVault(key, plaintext, platform);
      // A save that finishes after lock must not resurrect anything: the key it used is gone by then.
      if (vaultKey !== key) return;
      await deps.store.save(record);
    });

  // The outbox at rest: its own record, sealed under the same key with its own label (vault.ts).
  const sealedOutbox: OutboxStorage = {
    async load() {
      const key = vaultKey;
      if (!key) throw new Error('locked');
      const record = await deps.store.outbox.load();
      return record && (await openVaultWithKey(record, key, platform, OUTBOX_AAD_LABEL));
    },
    save: (plaintext) =>
      queueWrite(async () => {
        const key = vaultKey;
        if (!key) throw new Error('locked');
        const record = plaintext ? await sealVault(key, plaintext, platform, OUTBOX_AAD_LABEL) : undefined;
        plaintext?.fill(0);
        if (vaultKey !== key) return;
        await deps.store.outbox.save(record);
      }),
  };

  const begin = (started: S) => {
    batch(() => {
      session.value = started;
      phase.value = 'unlocked';
      error.value = null;
    });
  };

  const run = async (
    kind: Exclude<Busy, null>,
    work: () => Promise<void>,
    failure: (e: unknown) => string,
  ) => {
    if (busy.value) return;
    batch(() => {
      busy.value = kind;
      progress.value = 0;
      error.value = null;
      errorCode.value = null;
    });
    try {
      await work();
    } catch (e) {
      batch(() => {
        error.value = failure(e);
        errorCode.value = isPasskeyError(e) || isProtocolError(e) ? e.code : null;
      });
    } finally {
      busy.value = null;
    }
  };

  /** Derives the key, decrypts, and opens the profile; the session has not started yet. */
  const unlockRecord = (record: VaultRecord, passphrase: string): Promise<S> =>
    openRecord(openVault(record, passphrase, platform));

  const openRecord = async (opening: Promise<{ plaintext: Uint8Array; vaultKey: VaultKey }>): Promise<S> => {
    const [opened, factory] = await Promise.all([opening, deps.loadSessions()]);
    const previousKey = vaultKey;
    vaultKey = opened.vaultKey;
    try {
      return await factory.open(opened.plaintext, saveProfile, sealedOutbox);
    } catch (error) {
      vaultKey = previousKey;
      throw error;
    } finally {
      opened.plaintext.fill(0);
    }
  };

  /** The outbox record follows the profile to a new key; one that no longer opens is dropped. */
  const resealOutbox = async (oldKey: VaultKey, nextKey: VaultKey): Promise<void> => {
    const record = await deps.store.outbox.load().catch(() => undefined);
    if (!record) return;
    let plaintext: Uint8Array;
    try {
      plaintext = await openVaultWithKey(record, oldKey, platform, OUTBOX_AAD_LABEL);
    } catch {
      await deps.store.outbox.save(undefined);
      return;
    }
    try {
      await deps.store.outbox.save(await sealVault(nextKey, plaintext, platform, OUTBOX_AAD_LABEL));
    } finally {
      plaintext.fill(0);
    }
  };

  const passkeyDeps = () => {
    if (!deps.passkeys) throw new Error('no WebAuthn');
    return { store: deps.store, passkeys: deps.passkeys, platform };
  };

  /** The passkey record opens only with the key it was made for; a new key (passphrase, backup) drops it. */
  const forgetPasskey = async () => {
    await deps.store.passkey.save(undefined);
    if (passkey.value === 'registered') passkey.value = 'none';
  };

  const passkeyFailure = (e: unknown): string => {
    if (isPasskeyError(e, 'passkey-not-supported'))
      return 'This browser or passkey cannot unlock Tincan: it lacks the WebAuthn PRF extension. Your passphrase still works.';
    if (isPasskeyError(e, 'passkey-cancelled'))
      return 'No passkey was used: the request was cancelled, timed out, or this device has no matching passkey.';
    if (isPasskeyError(e, 'passkey-wrong'))
      return 'That passkey cannot unlock this identity. Use the passkey you added, or your passphrase.';
    if (isPasskeyError(e, 'passkey-stale'))
      return 'The passkey no longer matches this identity. Unlock with your passphrase, then add the passkey again.';
    if (isProtocolError(e))
      return 'The stored passkey record is damaged. Unlock with your passphrase, then add the passkey again.';
    return 'Something went wrong with the passkey. Try again, or use your passphrase.';
  };

  const passphraseFailure = (e: unknown) =>
    isProtocolError(e, 'decrypt-failed')
      ? 'Wrong passphrase. Check it and try again.'
      : isProtocolError(e)
        ? 'This is not a Tincan backup, or it is damaged.'
        : 'Something went wrong while unlocking. Try again.';

  return {
    phase,
    busy,
    progress,
    error,
    errorCode,
    passkey,
    session,

    async init(): Promise<void> {
      let record: VaultRecord | undefined;
      try {
        record = await deps.store.load();
      } catch {
        record = undefined;
        error.value = 'The stored identity could not be read. You can import a backup or start again.';
      }
      phase.value = record ? 'locked' : 'welcome';
      if (!deps.passkeys || !(await deps.passkeys.mayHavePrf())) passkey.value = 'unsupported';
      else if (record && (await deps.store.passkey.load().catch(() => undefined)))
        passkey.value = 'registered';
    },

    create(displayName: string, passphrase: string): Promise<void> {
      return run(
        'creating',
        async () => {
          const name = displayName.trim().normalize('NFC');
          const factory = await deps.loadSessions();
          const problem = displayNameProblem(name) ?? factory.displayNameProblem(name);
          if (problem) throw new Error(problem);
          vaultKey = await newVaultKey(passphrase, platform, deps.scrypt);
          begin(await factory.create(name, saveProfile, sealedOutbox));
        },
        (e) => (e instanceof Error && !isProtocolError(e) ? e.message : 'Could not create the identity.'),
      );
    },

    unlock(passphrase: string): Promise<void> {
      return run(
        'unlocking',
        async () => {
          const record = await deps.store.load();
          if (!record) {
            phase.value = 'welcome';
            return;
          }
          begin(await unlockRecord(record, passphrase));
        },
        passphraseFailure,
      );
    },

    /** Unlocks with the passkey whose record this browser holds: no passphrase, no KDF. */
    unlockWithPasskey(): Promise<void> {
      return run(
        'unlocking',
        async () => {
          const record = await deps.store.load();
          if (!record) {
            phase.value = 'welcome';
            return;
          }
          const opening = vaultKeyFromPasskey(passkeyDeps(), record).then(async (vaultKey) => {
            try {
              return { plaintext: await openVaultWithKey(record, vaultKey, platform), vaultKey };
            } catch (e) {
              throw isProtocolError(e, 'decrypt-failed')
                ? new PasskeyError('passkey-stale', 'the vault does not open with this key')
                : e;
            }
          });
          begin(await openRecord(opening));
        },
        passkeyFailure,
      );
    },

    /**
     * Adds a passkey that unlocks this vault: the passphrase is checked (full KDF), the browser creates the
     * passkey, and the vault key sealed under its PRF is stored. Resolves true once stored.
     */
    async addPasskey(passphrase: string): Promise<boolean> {
      let added = false;
      await run(
        'adding-passkey',
        async () => {
          // Not in the write queue: the person may take a minute at the browser's prompt, and saves must not
          // wait for them. Nothing that changes the vault key (passphrase, import) runs meanwhile: `run`
          // takes one action at a time.
          const record = await deps.store.load();
          if (!record || !vaultKey) throw new Error('locked');
          await addPasskey(passkeyDeps(), record, passphrase);
          passkey.value = 'registered';
          added = true;
        },
        (e) =>
          isProtocolError(e, 'decrypt-failed')
            ? 'Wrong passphrase. Check it and try again.'
            : passkeyFailure(e),
      );
      return added;
    },

    /** Forgets the passkey record: only the passphrase unlocks from now on. Resolves true once deleted. */
    async removePasskey(): Promise<boolean> {
      try {
        await queueWrite(forgetPasskey);
        return true;
      } catch {
        error.value = 'The passkey could not be removed. Try again.';
        return false;
      }
    },

    /**
     * Disposes the session and forgets the vault key; the stored (sealed) records stay. The key is forgotten
     * only once the session is gone, so the last change of its outbox is stored under it.
     */
    async lock(): Promise<void> {
      const current = session.value;
      batch(() => {
        session.value = null;
        phase.value = 'locking';
        error.value = null;
      });
      await current?.dispose();
      vaultKey = undefined;
      if (deps.afterLock) deps.afterLock();
      else phase.value = 'locked';
    },

    async deleteIdentity(): Promise<void> {
      const current = session.value;
      vaultKey = undefined;
      batch(() => {
        session.value = null;
        phase.value = 'locking';
        error.value = null;
      });
      await current?.dispose();
      await deps.store.wipe();
      if (deps.afterLock) deps.afterLock();
      else phase.value = 'welcome';
    },

    /** The backup file's text: the sealed record exactly as stored (it needs the same passphrase). */
    async exportBackup(): Promise<string> {
      const record = await deps.store.load();
      if (!record) throw new Error('nothing to export');
      return vaultToText(record);
    },

    /** Opens a backup file with its passphrase, stores it in place of anything here, and unlocks it. */
    importBackup(text: string, passphrase: string): Promise<void> {
      return run(
        'importing',
        async () => {
          const record = vaultFromText(text);
          const previous = session.value;
          const started = await unlockRecord(record, passphrase);
          await previous?.dispose();
          await forgetPasskey();
          await deps.store.save(record);
          begin(started);
        },
        passphraseFailure,
      );
    },

    /** A new identity key: stored first, then the session restarts under it and tells every contact. */
    rotateIdentity(): Promise<void> {
      return run(
        'rotating',
        async () => {
          const current = session.value;
          if (!current) return;
          const plaintext = await current.rotateIdentity();
          try {
            const factory = await deps.loadSessions();
            await current.dispose();
            begin(await factory.open(plaintext, saveProfile, sealedOutbox));
          } finally {
            plaintext.fill(0);
          }
        },
        () => 'The key could not be changed. Try again.',
      );
    },

    /**
     * Checks the current passphrase, derives a key from the new one (fresh salt, same KDF parameters) and
     * re-seals the stored record under it. Resolves true once the new passphrase is the only one that works
     * here; backup files exported earlier keep the passphrase they were made with.
     */
    async changePassphrase(current: string, next: string): Promise<boolean> {
      let changed = false;
      await run(
        'rekeying',
        async () => {
          const record = await deps.store.load();
          if (!record || !vaultKey) throw new Error('locked');
          const opened = await openVault(record, current, platform);
          opened.plaintext.fill(0);
          const nextKey = await newVaultKey(next, platform, deps.scrypt);
          await queueWrite(async () => {
            const latest = await deps.store.load();
            const oldKey = vaultKey;
            if (!latest || !oldKey) throw new Error('locked');
            const plaintext = await openVaultWithKey(latest, oldKey, platform);
            try {
              await deps.store.save(await sealVault(nextKey, plaintext, platform));
            } finally {
              plaintext.fill(0);
            }
            await resealOutbox(oldKey, nextKey);
            await forgetPasskey();
            vaultKey = nextKey;
          });
          changed = true;
        },
        (e) =>
          isProtocolError(e, 'decrypt-failed')
            ? 'The current passphrase is wrong. Check it and try again.'
            : 'The passphrase could not be changed. Nothing was changed; try again.',
      );
      return changed;
    },

    clearError(): void {
      error.value = null;
    },
  };
}

export type AppModel<S extends Session> = ReturnType<typeof createApp<S>>;
