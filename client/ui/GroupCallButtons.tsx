/** In a group's header: start a video or audio call with the group, or join the one that runs in it. */
import type { GroupCallModel } from '../state/group-calls.ts';
import { Icon } from './Icon.tsx';

export function GroupCallButtons({ groupCalls, groupId }: { groupCalls: GroupCallModel; groupId: string }) {
  const mesh = groupCalls.mesh.value;
  const busy = mesh !== null && mesh.phase !== 'ended';
  if (busy && mesh.groupId === groupId && mesh.phase === 'available') {
    return (
      <button type="button" class="button small primary" onClick={() => void groupCalls.join()}>
        <Icon name={mesh.media === 'video' ? 'video' : 'phone'} size={18} /> Join the call
      </button>
    );
  }
  return (
    <>
      <button
        type="button"
        class="icon-button"
        aria-label="Audio call with the group"
        title="Audio call with the group"
        disabled={busy}
        onClick={() => void groupCalls.start(groupId, 'audio')}
      >
        <Icon name="phone" />
      </button>
      <button
        type="button"
        class="icon-button"
        aria-label="Video call with the group"
        title="Video call with the group"
        disabled={busy}
        onClick={() => void groupCalls.start(groupId, 'video')}
      >
        <Icon name="video" />
      </button>
    </>
  );
}
