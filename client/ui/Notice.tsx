import type { ComponentChildren } from 'preact';

/** An error or warning that screen readers announce as soon as it appears. */
export function Notice({
  kind,
  title,
  children,
  id,
}: {
  kind: 'error' | 'warning' | 'ok' | 'info';
  title?: string;
  children?: ComponentChildren;
  id?: string;
}) {
  return (
    <div class={`notice ${kind}`} role={kind === 'error' || kind === 'warning' ? 'alert' : 'status'} id={id}>
      {title && <strong>{title}</strong>}
      {children}
    </div>
  );
}
