import type { ReleaseModel } from '../state/release.ts';
import type { RefusalReason, ReleaseStatus } from '../sw/messages.ts';

/** The first 16 hex digits of a release hash: enough to tell releases apart at a glance (Settings shows all). */
export const shortHash = (hash: string): string => hash.slice(0, 16);

function refusalText(reason: RefusalReason, offered: string | null, status: ReleaseStatus): string {
  const running = status.running?.version ?? '';
  const still =
    status.trust === 'signed'
      ? `You are still running release ${running}.`
      : `You are still running the build you approved (${running}).`;
  switch (reason) {
    case 'downgrade':
      return `The server offered an older release (${offered}), which Tincan never goes back to. ${still}`;
    case 'file-mismatch':
      return `The server offered files that do not match the release it announced. ${still}`;
    default:
      return `The server offered code that is not a signed Tincan release. ${still}`;
  }
}

/**
 * What the release worker has to say, on every screen: a refused offer, or a checked release waiting for
 * the user's yes. Kept small: it is part of the first screen.
 */
export function ReleaseNotice({ release }: { release: ReleaseModel }) {
  const status = release.status.value;
  const offer = release.offer.value;
  if (!status) return null;
  return (
    <div class="release-notices">
      {status.refusal && (
        <div class="notice warning" role="alert" data-release-warning={status.refusal.reason}>
          {refusalText(status.refusal.reason, status.refusal.version, status)}
        </div>
      )}
      {offer && (
        <div class="notice info" role="status" data-release-offer={offer.version}>
          <p>
            {offer.signed
              ? `Release ${offer.version} is available.`
              : `This server's code changed (build ${offer.version}). Its releases are not signed: nobody but this server vouches for the change.`}
            <br />
            <span class="muted small">Release hash {shortHash(offer.hash)}…</span>
          </p>
          <div class="row">
            <button
              type="button"
              class="button primary small"
              disabled={release.accepting.value}
              onClick={() => void release.accept()}
            >
              {offer.signed ? 'Update now' : 'Use the new code'}
            </button>
            <button type="button" class="button ghost small" onClick={() => release.later()}>
              Later
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
