/**
 * Call tests' probes: they read the call model and RTCPeerConnection stats inside a page. The setup (client
 * with test hooks, Chromium flags, people who are contacts) is in call-setup.ts and the RTP totals are in
 * rtp-totals.ts; both are re-exported here.
 */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Person } from './person.ts';
import { rtpTotals } from './rtp-totals.ts';

export {
  buildTestClient,
  callButton,
  caller,
  launchForCalls,
  MORE_FAKE_CAMERAS,
  makeContacts,
  setHooks,
  WEBRTC_ARGS,
} from './call-setup.ts';
export { type RtpTotals, rtpTotals } from './rtp-totals.ts';

/** What a page's call model says: phase, end reason, SAS words. */
export async function callState(
  page: Page,
): Promise<{ phase: string | null; endReason: string | null; sas: string[] | null }> {
  return page.evaluate(() => {
    const calls = (
      globalThis as {
        tincanCalls?: {
          view: {
            value: { call: { phase: string; endReason: string | null } | null; sas: string[] | null } | null;
          };
        };
      }
    ).tincanCalls;
    const view = calls?.view.value;
    return {
      phase: view?.call?.phase ?? null,
      endReason: view?.call?.endReason ?? null,
      sas: view?.sas ? [...view.sas] : null,
    };
  });
}

export const phaseOf = (person: Person) => async () => (await callState(person.page)).phase;
export const endReasonOf = (person: Person) => async () => (await callState(person.page)).endReason;

/** Keeps sampling a page's RTP totals until stop(); returns the highest values seen. */
export function watchRtp(page: Page, everyMs = 100) {
  let running = true;
  const max = { inboundPackets: 0, outboundBytes: 0, inboundWithPackets: 0, framesDecoded: 0, samples: 0 };
  const loop = (async () => {
    while (running) {
      const t = await rtpTotals(page).catch(() => null);
      if (t) {
        max.samples++;
        max.inboundPackets = Math.max(max.inboundPackets, t.inboundPackets);
        max.outboundBytes = Math.max(max.outboundBytes, t.outboundBytes);
        max.inboundWithPackets = Math.max(max.inboundWithPackets, t.inboundWithPackets);
        max.framesDecoded = Math.max(max.framesDecoded, t.framesDecoded);
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return max;
    },
  };
}

/** Waits until no call screen is left (ended calls linger a few seconds, warnings until dismissed). */
export async function closeCallScreens(...people: Person[]): Promise<void> {
  for (const person of people) {
    const close = person.page.getByRole('button', { name: 'Close', exact: true });
    if (await close.count()) await close.first().click();
    await expect
      .poll(async () => person.page.getByTestId('call-screen').count(), { timeout: 10_000 })
      .toBe(0);
    await expect
      .poll(async () => person.page.getByTestId('call-warning').count(), { timeout: 10_000 })
      .toBe(0);
  }
}
