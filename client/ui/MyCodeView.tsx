import { useSignal } from '@preact/signals';
import { CopyButton } from './CopyButton.tsx';
import { PaneHeader } from './PaneHeader.tsx';
import { QrCode } from './QrCode.tsx';
import type { ScreenProps } from './screen-props.ts';

export function MyCodeView({ session, navigation }: ScreenProps) {
  const { me } = session;
  const shareFailed = useSignal(false);
  const canShare = typeof navigator.share === 'function' && me.link !== undefined;
  const share = async () => {
    try {
      await navigator.share({
        title: `${me.displayName} on Tincan`,
        text: 'Add me on Tincan:',
        url: me.link!,
      });
    } catch (error) {
      shareFailed.value = (error as { name?: string }).name !== 'AbortError';
    }
  };
  return (
    <>
      <PaneHeader navigation={navigation} title={<h2>My code</h2>} />
      <div class="pane">
        <div class="pane-inner">
          <section class="section" aria-labelledby="qr-heading">
            <h3 id="qr-heading">Show this to someone next to you</h3>
            <QrCode text={me.link ?? me.code} label={`QR code of your contact code, ${me.displayName}`} />
            <p class="hint">
              When they scan it in person, you start out verified to each other's eyes: nobody in between
              could have swapped the key.
            </p>
          </section>
          <section class="section" aria-labelledby="code-heading">
            <h3 id="code-heading">Or send the code</h3>
            <p class="code-text" data-testid="my-code">
              {me.formattedCode}
            </p>
            <div class="row">
              <CopyButton text={me.code} label="Copy code" />
              {me.link && <CopyButton text={me.link} label="Copy link" />}
              {canShare && (
                <button type="button" class="button" onClick={share}>
                  Share…
                </button>
              )}
            </div>
            {me.link && (
              <>
                <h4 class="label">Link</h4>
                <p class="code-text small" data-testid="my-link">
                  {me.link}
                </p>
              </>
            )}
            {shareFailed.value && <p class="hint">Sharing did not work here; copy the link instead.</p>}
            <p class="hint">
              The code holds your public key and your name, nothing secret. Anyone who has it can send you a
              contact request; you decide whether to accept.
            </p>
          </section>
        </div>
      </div>
    </>
  );
}
