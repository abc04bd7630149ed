import { initials } from './format.ts';

export function Avatar({ name, online }: { name: string; online?: boolean }) {
  return (
    <span class="avatar" aria-hidden="true">
      {initials(name)}
      {online !== undefined && <span class={`dot ${online ? 'online' : ''}`} />}
    </span>
  );
}
