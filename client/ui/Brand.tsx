export function Brand() {
  return (
    <div class="brand">
      <span class="brand-mark" aria-hidden="true">
        T
      </span>
      <span>Tincan</span>
    </div>
  );
}
