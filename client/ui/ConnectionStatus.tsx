import type { SessionModel } from '../state/session.ts';

export function ConnectionStatus({ session }: { session: SessionModel }) {
  const { state, label } = session.connection;
  const status = state.value.status;
  return (
    <span class="status" role="status" aria-live="polite" data-relay-status={status}>
      <span class={`dot ${status}`} aria-hidden="true" />
      <span>{label.value}</span>
      {(status === 'retrying' || status === 'stopped') && (
        <button type="button" class="button ghost small" onClick={() => session.connection.retryNow()}>
          {state.value.stopReason === 'replaced' ? 'Use here' : 'Retry now'}
        </button>
      )}
    </span>
  );
}
