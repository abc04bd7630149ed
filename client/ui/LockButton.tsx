import { useSignal } from '@preact/signals';
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { AppModel } from '../state/app.ts';
import type { SessionModel } from '../state/session.ts';

/**
 * Locks at once, or first asks when messages still wait for their ack: they are kept (encrypted) and go out
 * again after the next unlock, but nobody receives them while this is locked.
 */
export function LockButton(props: {
  app: AppModel<SessionModel>;
  session: SessionModel;
  class: string;
  label?: string;
  title?: string;
  children: ComponentChildren;
}) {
  const { app, session } = props;
  const asking = useSignal(false);
  const dialog = useRef<HTMLDialogElement>(null);
  const warning = session.pending.warning.value;

  useEffect(() => {
    if (asking.value && !dialog.current?.open) dialog.current?.showModal();
  }, [asking.value]);

  const lock = () => {
    if (session.pending.warning.value) asking.value = true;
    else void app.lock();
  };

  return (
    <>
      <button
        type="button"
        class={props.class}
        onClick={lock}
        {...(props.label ? { 'aria-label': props.label } : {})}
        {...(props.title ? { title: props.title } : {})}
      >
        {props.children}
      </button>
      {asking.value && (
        <dialog ref={dialog} aria-label="Lock with messages waiting?" onClose={() => (asking.value = false)}>
          <h2 class="dialog-title">Lock with messages waiting?</h2>
          <p data-testid="lock-warning">{warning ?? 'Everything has been delivered now.'}</p>
          {warning && (
            <p class="hint">
              They stay on this device, encrypted, and are sent when you unlock again. Until then they cannot
              arrive.
            </p>
          )}
          <div class="row">
            <button
              type="button"
              class="button primary"
              onClick={() => {
                dialog.current?.close();
                void app.lock();
              }}
            >
              Lock anyway
            </button>
            <button type="button" class="button" onClick={() => dialog.current?.close()}>
              Stay unlocked
            </button>
          </div>
        </dialog>
      )}
    </>
  );
}
