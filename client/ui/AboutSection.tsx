import type { ReleaseModel } from '../state/release.ts';

/** Settings → About: the running release and its hash, which anyone can recompute from the release files. */
export function AboutSection({ release }: { release: ReleaseModel }) {
  const status = release.status.value;
  const running = status?.running ?? null;
  return (
    <section class="section" aria-labelledby="about-heading">
      <h3 id="about-heading">About</h3>
      {running ? (
        <>
          <p>
            Release <strong data-testid="release-version">{running.version}</strong>
          </p>
          <p class="hint">Release hash</p>
          <p class="release-hash" data-testid="release-hash">
            {running.hash}
          </p>
          {status?.releaseKey && (
            <>
              <p class="hint">Release key</p>
              <p class="release-hash" data-testid="release-key">
                {status.releaseKey}
              </p>
            </>
          )}
          <p class="hint">
            {status?.trust === 'signed'
              ? 'Signed with the Tincan release key. This app runs only this release; a newer signed release is used only after you agree, and an older one never.'
              : "This server's releases are not signed. This app keeps running the code it first loaded here and shows you any change before using it, but nobody vouches for that code."}
          </p>
        </>
      ) : (
        <p class="hint">
          {release.unpinned.value
            ? 'This page is not pinned to a release: it runs whatever the server sends.'
            : 'Checking which release this is…'}
        </p>
      )}
    </section>
  );
}
