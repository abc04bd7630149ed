import type { ComponentChildren } from 'preact';

/** An error or warning that screen readers announce as soon as it appears. */
export function Notice({
  kind,
  title,
  children,
  id,
  code,
}: {
  kind: 'error' | 'warning' | 'ok' | 'info';
  title?: string;
  children?: ComponentChildren;
  id?: string;
  /** The failure's stable code (ProtocolError, PasskeyError), for whoever reads the page's structure. */
  code?: string | null | undefined;
}) {
  return (
    <div
      class={`notice ${kind}`}
      role={kind === 'error' || kind === 'warning' ? 'alert' : 'status'}
      id={id}
      data-error-code={code ?? undefined}
    >
      {title && <strong>{title}</strong>}
      {children}
    </div>
  );
}
