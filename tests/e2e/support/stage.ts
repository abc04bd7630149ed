/**
 * What every browser suite starts and stops: the built client, the real relay serving it, and Chromium; at
 * the end, the people's console errors fail the suite (after everything is closed, so a failure leaks nothing).
 */
import type { Browser } from 'playwright-core';
import { expect, vi } from 'vitest';
import type { Relay } from '../../../relay/server.ts';
import { type BuiltClient, buildClient } from './build-client.ts';
import { buildTestClient, launchForCalls } from './call-setup.ts';
import { launchChromium } from './chromium.ts';
import type { Person } from './person.ts';
import { startRelay } from './relay.ts';

export interface Stage {
  readonly client: BuiltClient;
  readonly relay: Relay;
  readonly browser: Browser;
}

/** Generous limits: relay round trips and Chromium on a loaded 2-core machine. */
export function useBrowserTimeouts(): void {
  vi.setConfig({
    testTimeout: 120_000,
    hookTimeout: 180_000,
    expect: { poll: { timeout: 20_000, interval: 100 } },
  });
}

/** `calls`: a client built with the call test hooks, and Chromium with loopback WebRTC; `chromiumArgs`: more flags. */
export async function openStage(
  options: { calls?: boolean; chromiumArgs?: readonly string[] } = {},
): Promise<Stage> {
  const args = options.chromiumArgs ?? [];
  const [client, browser] = await Promise.all(
    options.calls ? [buildTestClient(), launchForCalls(args)] : [buildClient(), launchChromium(args)],
  );
  return { client, browser, relay: await startRelay(client.dir) };
}

export async function closeStage(
  stage: Stage | undefined,
  people: readonly (Person | undefined)[],
  ignored = /Failed to load resource|WebSocket/,
): Promise<void> {
  const errors = people.flatMap((person) => person?.errors ?? []);
  await stage?.browser.close();
  await stage?.relay.close();
  await stage?.client.remove();
  expect(errors.filter((error) => !ignored.test(error))).toEqual([]);
}
