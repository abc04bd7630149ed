import type { StoredContact } from '../state/profile-data.ts';

/** Verification state, shown wherever a contact appears. */
export function TrustBadge({ contact }: { contact: StoredContact }) {
  if (contact.keyChange && !contact.verified) {
    return (
      <span class="badge warning" title="This contact's key changed. Compare safety numbers again.">
        ⚠ Key changed
      </span>
    );
  }
  if (contact.verified) {
    return (
      <span class="badge verified" title="You compared safety numbers with this contact.">
        ✓ Verified
      </span>
    );
  }
  return (
    <span class="badge unverified" title="You have not compared safety numbers with this contact yet.">
      Not verified
    </span>
  );
}

export function StateBadge({ contact }: { contact: StoredContact }) {
  if (contact.blocked) return <span class="badge warning">Blocked</span>;
  if (contact.state === 'outgoing') return <span class="badge pending">Request sent</span>;
  if (contact.state === 'incoming') return <span class="badge pending">Wants to add you</span>;
  return null;
}
