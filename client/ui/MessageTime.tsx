/** A message's time, and how long it has left when it disappears: the same in every chat. */
import { formatTime, remaining } from './format.ts';
import { Icon } from './Icon.tsx';

export function MessageTime({
  at,
  expiresAt,
  now,
}: {
  at: number;
  expiresAt: number | undefined;
  now: number;
}) {
  return (
    <>
      {expiresAt !== undefined && (
        <span class="expires" title="Disappears">
          <Icon name="timer" size={12} /> {remaining(expiresAt, now)}
          <span class="visually-hidden"> left</span>
        </span>
      )}
      <time dateTime={new Date(at).toISOString()}>{formatTime(at)}</time>
    </>
  );
}
