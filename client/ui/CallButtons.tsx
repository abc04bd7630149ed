/** The audio and video call buttons of a conversation's header. */
import type { CallModel } from '../state/call.ts';
import type { StoredContact } from '../state/profile-data.ts';
import { Icon } from './Icon.tsx';

export function CallButtons({ calls, contact }: { calls: CallModel; contact: StoredContact }) {
  // Nothing of ours goes to a blocked key, a call included: no buttons to offer one.
  if (contact.blocked) return null;
  const view = calls.view.value;
  const busy = Boolean(view?.preparing) || (view?.call != null && view.call.phase !== 'ended');
  const disabled = contact.state !== 'accepted' || busy;
  const title =
    contact.state !== 'accepted' ? 'You can call once they accept' : busy ? 'Already in a call' : undefined;
  return (
    <div class="row call-buttons">
      <button
        type="button"
        class="icon-button"
        aria-label={`Audio call with ${contact.name}`}
        title={title ?? 'Audio call'}
        disabled={disabled}
        onClick={() => void calls.start(contact.key, 'audio')}
      >
        <Icon size={22} name="phone" />
      </button>
      <button
        type="button"
        class="icon-button"
        aria-label={`Video call with ${contact.name}`}
        title={title ?? 'Video call'}
        disabled={disabled}
        onClick={() => void calls.start(contact.key, 'video')}
      >
        <Icon size={22} name="video" />
      </button>
    </div>
  );
}
