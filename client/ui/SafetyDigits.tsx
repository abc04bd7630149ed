/** The 60 digits as 12 groups of 5: read aloud group by group. Screen readers get them as one sentence. */
export function SafetyDigits({ groups }: { groups: readonly string[] }) {
  return (
    <>
      <div class="safety-grid" data-testid="safety-number" aria-hidden="true">
        {groups.map((group, i) => (
          <span key={`${i}:${group}`}>{group}</span>
        ))}
      </div>
      <p class="visually-hidden">Safety number: {groups.join(', ')}.</p>
    </>
  );
}
