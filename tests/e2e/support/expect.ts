/**
 * Playwright's web-first assertions live in @playwright/test, which this repository does not use; these
 * probes turn a locator into a value that vitest's `expect.poll` retries until it matches.
 */
import type { Locator } from 'playwright-core';

export const textOf = (locator: Locator) => () =>
  locator
    .first()
    .textContent({ timeout: 1_000 })
    .then((text) => text ?? '')
    .catch(() => '');
export const countOf = (locator: Locator) => () => locator.count();
export const inputValueOf = (locator: Locator) => () =>
  locator.inputValue({ timeout: 1_000 }).catch(() => '');

/** Waits until the first match is visible (default timeout 15 s). */
export async function visible(locator: Locator, timeout = 15_000): Promise<void> {
  await locator.first().waitFor({ state: 'visible', timeout });
}
