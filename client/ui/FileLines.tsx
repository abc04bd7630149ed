/** Files in the chat: the "Share a file" button, and one line per file with its question, progress and outcome. */
import { useEffect, useMemo } from 'preact/hooks';
import type { FileLine, FileModel } from '../state/files.ts';
import { formatTime } from './format.ts';
import { Icon } from './Icon.tsx';

const size = (bytes: number) =>
  bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KB` : `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

const PHASE_TEXT: Record<FileLine['phase'], string> = {
  offered: '',
  connecting: 'Connecting…',
  transferring: '',
  verifying: 'Checking…',
  done: 'Done, SHA-256 checked',
  declined: 'Declined',
  cancelled: 'Cancelled',
  failed: 'Failed',
  intercepted: 'Stopped',
};

const ENDED: readonly FileLine['phase'][] = ['done', 'declined', 'cancelled', 'failed', 'intercepted'];

export function SendFileButton({
  files,
  peer,
  name,
  disabled,
}: {
  files: FileModel;
  peer: string;
  name: string;
  disabled: boolean;
}) {
  return (
    <label class={`button file-button ${disabled ? 'disabled' : ''}`} title={`Share a file with ${name}`}>
      <Icon name="file" size={18} />
      <span class="visually-hidden">Share a file with {name}</span>
      <input
        type="file"
        data-testid="send-file"
        disabled={disabled}
        onChange={(event) => {
          const input = event.currentTarget;
          for (const file of input.files ?? []) void files.send(peer, file);
          input.value = '';
        }}
      />
    </label>
  );
}

/** The contact's file lines, as items of the thread. */
export function FileLines({ files, peer, name }: { files: FileModel; peer: string; name: string }) {
  const lines = files.byPeer.value.get(peer) ?? [];
  return (
    <>
      {lines.map((line) => (
        <FileLineItem key={line.id} line={line} files={files} name={name} />
      ))}
    </>
  );
}

function FileLineItem({ line, files, name }: { line: FileLine; files: FileModel; name: string }) {
  const mine = line.direction === 'send';
  const percent = line.size === 0 ? 100 : Math.floor((100 * line.transferred) / line.size);
  const url = useMemo(() => (line.blob ? URL.createObjectURL(line.blob) : null), [line.blob]);
  useEffect(() => () => void (url && URL.revokeObjectURL(url)), [url]);
  const ended = ENDED.includes(line.phase);
  const asked = !mine && line.phase === 'offered';
  const status =
    line.phase === 'offered'
      ? mine
        ? `Waiting for ${name} to accept…`
        : `${name} wants to send you this file.`
      : PHASE_TEXT[line.phase] || `${percent}%`;
  return (
    <li
      class={`bubble-row ${mine ? 'mine' : 'theirs'}`}
      data-testid="file-line"
      data-file-id={line.id}
      data-phase={line.phase}
      data-direction={line.direction}
      data-sha256={line.sha256 ?? ''}
      data-transferred={line.transferred}
    >
      <div class="bubble file-bubble">
        <div class="row">
          <Icon name="file" size={16} />
          <span class="transfer-name">{line.name}</span>
          <span class="muted small">{size(line.size)}</span>
        </div>
        {!ended && line.phase !== 'offered' && (
          <progress
            max={100}
            value={percent}
            aria-label={`${line.name}: ${percent}%`}
            data-percent={percent}
          />
        )}
        <div class="row small">
          <span data-testid="file-status">{status}</span>
          {line.note && <span class="muted">{line.note}</span>}
        </div>
        {line.policy?.mode === 'cannot-hide' && !ended && (
          <div class="small muted">
            This relay has no TURN server, so your IP address is not hidden from {name}.
          </div>
        )}
        <div class="row small">
          {asked && (
            <>
              <button type="button" class="button small primary" onClick={() => void files.accept(line.id)}>
                Accept
              </button>
              <button type="button" class="button small" onClick={() => files.decline(line.id)}>
                Decline
              </button>
            </>
          )}
          {!asked && !ended && (
            <button
              type="button"
              class="button small"
              onClick={() => files.cancel(line.id)}
              aria-label={`Cancel ${line.name}`}
            >
              Cancel
            </button>
          )}
          {ended && (
            <button
              type="button"
              class="button small"
              onClick={() => files.dismiss(line.id)}
              aria-label={`Remove ${line.name} from the chat`}
            >
              Remove
            </button>
          )}
          {url && (
            <a class="button small" href={url} download={line.name} data-testid="file-save">
              Save
            </a>
          )}
        </div>
        <span class="meta">
          <time dateTime={new Date(line.at).toISOString()}>{formatTime(line.at)}</time>
        </span>
      </div>
    </li>
  );
}
