/** A labelled password input bound to a signal: every passphrase form in the app uses this one. */
import type { Signal } from '@preact/signals';
import type { ComponentChildren } from 'preact';

export function PassphraseField({
  id,
  label,
  value,
  autoComplete,
  hint,
}: {
  id: string;
  label: string;
  value: Signal<string>;
  autoComplete: 'new-password' | 'current-password';
  hint?: ComponentChildren;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        class="input"
        type="password"
        autoComplete={autoComplete}
        value={value.value}
        onInput={(e) => {
          value.value = e.currentTarget.value;
        }}
        aria-describedby={hint ? `${id}-hint` : undefined}
        required
      />
      {hint && (
        <span id={`${id}-hint`} class="hint">
          {hint}
        </span>
      )}
    </div>
  );
}
