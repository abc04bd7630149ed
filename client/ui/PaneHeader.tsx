import type { ComponentChildren } from 'preact';
import type { Navigation } from '../state/navigation.ts';
import { Icon } from './Icon.tsx';

export function PaneHeader({
  navigation,
  title,
  children,
}: {
  navigation: Navigation;
  title: ComponentChildren;
  children?: ComponentChildren;
}) {
  return (
    <header class="pane-header">
      <button
        type="button"
        class="icon-button back"
        aria-label="Back to contacts"
        onClick={() => navigation.home()}
      >
        <Icon name="back" />
      </button>
      <div class="title">{title}</div>
      {children}
    </header>
  );
}
