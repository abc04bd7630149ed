/** Parts of the call screens: the IP-address note, the in-call verification words, quality, file transfers. */
import { useEffect, useMemo } from 'preact/hooks';
import type { TransferView } from '../services/rtc/file-transfer.ts';
import type { IpPolicy } from '../services/rtc/ice-policy.ts';
import type { Quality } from '../services/rtc/quality.ts';
import type { CallModel } from '../state/call.ts';
import { Icon } from './Icon.tsx';

export function PrivacyNote({
  policy,
  name,
  incoming,
}: {
  policy: IpPolicy;
  name: string;
  incoming?: boolean;
}) {
  const verb = incoming ? 'Answering shows' : 'This call shows';
  switch (policy.mode) {
    case 'hidden':
      return (
        <p class="call-privacy" data-testid="call-privacy" data-mode="hidden">
          <Icon name="shield" size={16} /> Your IP address stays hidden from {name}: the call goes through the
          relay’s TURN server.
        </p>
      );
    case 'cannot-hide':
      return (
        <p class="call-privacy warn" data-testid="call-privacy" data-mode="cannot-hide">
          <Icon name="warning" size={16} /> This relay has no TURN server, so “Hide my IP address” cannot
          apply. {verb} {name} your IP address.
        </p>
      );
    case 'direct':
      return (
        <p class="call-privacy" data-testid="call-privacy" data-mode="direct">
          Direct connection: {name} can see your IP address.
        </p>
      );
  }
}

export function SasPanel({ calls, verified }: { calls: CallModel; verified: boolean }) {
  const words = calls.view.value?.sas;
  const name = calls.peerName.value;
  if (!words) {
    return (
      <section class="call-sas" aria-label="Verification words">
        <p class="hint">Verification words appear once the call is set up…</p>
      </section>
    );
  }
  const confirmed = calls.sasConfirmed.value;
  return (
    <section class="call-sas" aria-labelledby="sas-title">
      <h3 id="sas-title">Check that nobody is in the middle</h3>
      <p class="hint">Read these words aloud; {name} must see the same four.</p>
      <ol class="sas-words" data-testid="sas-words" aria-label={`Verification words: ${words.join(', ')}`}>
        {words.map((word, index) => (
          // The same word may appear twice: the position tells them apart (the list never reorders).
          <li key={index}>{word}</li>
        ))}
      </ol>
      {confirmed || verified ? (
        <p class="badge verified" data-testid="sas-verified">
          ✓ {name} is verified
        </p>
      ) : (
        <div class="row">
          <button type="button" class="button small primary" onClick={() => void calls.confirmSas()}>
            The words match
          </button>
          <button type="button" class="button small danger" onClick={() => calls.sasMismatch()}>
            They differ
          </button>
        </div>
      )}
    </section>
  );
}

const LEVEL_TEXT = { good: 'Good', fair: 'Fair', poor: 'Poor', unknown: 'Measuring' } as const;
const BARS = { good: 3, fair: 2, poor: 1, unknown: 0 } as const;

export function QualityIndicator({ quality }: { quality: Quality | null }) {
  const level = quality?.level ?? 'unknown';
  const details = quality
    ? [
        quality.rttMs !== null ? `${quality.rttMs} ms` : null,
        quality.lossPercent !== null ? `${quality.lossPercent}% loss` : null,
        quality.kbps !== null ? `${quality.kbps} kb/s` : null,
        quality.path,
      ].filter(Boolean)
    : [];
  const label = `Connection ${LEVEL_TEXT[level].toLowerCase()}${details.length ? ` (${details.join(', ')})` : ''}`;
  return (
    <span
      class="call-quality"
      data-level={level}
      data-testid="call-quality"
      title={label}
      role="img"
      aria-label={label}
    >
      {[1, 2, 3].map((bar) => (
        <i key={bar} class={bar <= BARS[level] ? 'on' : ''} />
      ))}
      <span class="quality-text">{LEVEL_TEXT[level]}</span>
    </span>
  );
}

const size = (bytes: number) =>
  bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KB` : `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

const STATE_TEXT = {
  waiting: 'Waiting…',
  transferring: '',
  verifying: 'Checking…',
  done: 'Done, SHA-256 checked',
  cancelled: 'Cancelled',
  failed: 'Failed',
} as const;

export function Transfers({ calls }: { calls: CallModel }) {
  const transfers = calls.view.value?.transfers ?? [];
  if (transfers.length === 0) return null;
  return (
    <ul class="call-transfers" aria-label="Files">
      {transfers.map((t) => (
        <TransferRow key={t.id} transfer={t} calls={calls} />
      ))}
    </ul>
  );
}

function TransferRow({ transfer: t, calls }: { transfer: TransferView; calls: CallModel }) {
  const percent = t.size === 0 ? 100 : Math.floor((100 * t.transferred) / t.size);
  const url = useMemo(() => (t.blob ? URL.createObjectURL(t.blob) : null), [t.blob]);
  useEffect(() => () => void (url && URL.revokeObjectURL(url)), [url]);
  const active = t.state === 'waiting' || t.state === 'transferring' || t.state === 'verifying';
  return (
    <li
      class="transfer"
      data-testid="transfer"
      data-state={t.state}
      data-direction={t.direction}
      data-sha256={t.sha256 ?? ''}
    >
      <div class="row">
        <Icon name="file" size={16} />
        <span class="transfer-name">{t.name}</span>
        <span class="muted small">
          {t.direction === 'send' ? 'to them' : 'from them'} · {size(t.size)}
        </span>
      </div>
      <progress max={100} value={percent} aria-label={`${t.name}: ${percent}%`} data-percent={percent} />
      <div class="row small">
        <span>{STATE_TEXT[t.state] || `${percent}%`}</span>
        {t.error && <span class="muted">{t.error}</span>}
        {active && (
          <button
            type="button"
            class="button small"
            onClick={() => calls.cancelTransfer(t.id)}
            aria-label={`Cancel ${t.name}`}
          >
            Cancel
          </button>
        )}
        {url && (
          <a class="button small" href={url} download={t.name}>
            Save
          </a>
        )}
      </div>
    </li>
  );
}
