import { useSignal } from '@preact/signals';

export function CopyButton({ text, label }: { text: string; label: string }) {
  const state = useSignal<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      state.value = 'copied';
    } catch {
      state.value = 'failed';
    }
    setTimeout(() => {
      state.value = 'idle';
    }, 2000);
  };
  return (
    <>
      <button type="button" class="button" onClick={copy}>
        {state.value === 'copied' ? 'Copied ✓' : label}
      </button>
      <span class="visually-hidden" role="status">
        {state.value === 'copied'
          ? 'Copied to the clipboard'
          : state.value === 'failed'
            ? 'Copying failed; select the text and copy it'
            : ''}
      </span>
    </>
  );
}
