/**
 * The message field of a chat, one-to-one or group: Enter sends, Shift+Enter makes a new line, typing is
 * announced while there is a draft. Whatever sits before the field (a file button) comes as children.
 */
import type { Signal } from '@preact/signals';
import type { ComponentChildren, RefObject } from 'preact';

export interface ComposerProps {
  readonly id: string;
  /** For screen readers: "Message to …". */
  readonly label: string;
  readonly placeholder: string;
  readonly enabled: boolean;
  readonly draft: Signal<string>;
  readonly onTyping: () => void;
  readonly onSend: () => void;
  readonly field?: RefObject<HTMLTextAreaElement | null>;
  readonly children?: ComponentChildren;
}

export function Composer({
  id,
  label,
  placeholder,
  enabled,
  draft,
  onTyping,
  onSend,
  field,
  children,
}: ComposerProps) {
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        onSend();
      }}
    >
      {children}
      <label for={id} class="visually-hidden">
        {label}
      </label>
      <textarea
        id={id}
        {...(field ? { ref: field } : {})}
        class="input"
        rows={1}
        placeholder={placeholder}
        disabled={!enabled}
        value={draft.value}
        onInput={(e) => {
          draft.value = e.currentTarget.value;
          if (draft.value) onTyping();
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            onSend();
          }
        }}
      />
      <button type="submit" class="button primary" disabled={!enabled || !draft.value.trim()}>
        Send
      </button>
    </form>
  );
}
