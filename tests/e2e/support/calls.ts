/**
 * Call tests' probes: they read the call model and RTCPeerConnection stats inside a page. The setup (client
 * with test hooks, Chromium flags, people who are contacts) is in call-setup.ts and re-exported here.
 */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Person } from './person.ts';

export {
  buildClientWithHooks,
  callButton,
  caller,
  launchForCalls,
  MORE_FAKE_CAMERAS,
  makeContacts,
  setHooks,
  WEBRTC_ARGS,
} from './call-setup.ts';

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

export interface RtpTotals {
  /** inbound-rtp entries that have received at least one packet. */
  inboundWithPackets: number;
  inboundPackets: number;
  framesDecoded: number;
  totalAudioEnergy: number;
  outboundBytes: number;
  dtlsState: string | null;
  localCandidateType: string | null;
  remoteCandidateType: string | null;
  /** Remote candidates ICE knows (peer-reflexive ones too: a connectivity check received). */
  remoteCandidates: number;
  candidatePairs: number;
}

/** Sums over the live peer connection's getStats() (zeros when there is none). */
export async function rtpTotals(page: Page): Promise<RtpTotals> {
  return page.evaluate(async () => {
    const totals = {
      inboundWithPackets: 0,
      inboundPackets: 0,
      framesDecoded: 0,
      totalAudioEnergy: 0,
      outboundBytes: 0,
      dtlsState: null as string | null,
      localCandidateType: null as string | null,
      remoteCandidateType: null as string | null,
      remoteCandidates: 0,
      candidatePairs: 0,
    };
    const calls = (globalThis as { tincanCalls?: { service: { peerConnection: RTCPeerConnection | null } } })
      .tincanCalls;
    const pc = calls?.service.peerConnection;
    if (!pc) return totals;
    const report = await pc.getStats();
    const byId = new Map<string, Record<string, unknown>>();
    report.forEach((s: Record<string, unknown>) => {
      byId.set(s.id as string, s);
    });
    for (const s of byId.values()) {
      if (s.type === 'inbound-rtp') {
        const packets = (s.packetsReceived as number) ?? 0;
        totals.inboundPackets += packets;
        if (packets > 0) totals.inboundWithPackets++;
        totals.framesDecoded += (s.framesDecoded as number) ?? 0;
        totals.totalAudioEnergy += (s.totalAudioEnergy as number) ?? 0;
      }
      if (s.type === 'outbound-rtp') totals.outboundBytes += (s.bytesSent as number) ?? 0;
      if (s.type === 'remote-candidate') totals.remoteCandidates++;
      if (s.type === 'candidate-pair') totals.candidatePairs++;
      if (s.type === 'transport') {
        totals.dtlsState = s.dtlsState as string;
        const pair = byId.get(s.selectedCandidatePairId as string);
        totals.localCandidateType =
          (byId.get(pair?.localCandidateId as string)?.candidateType as string) ?? null;
        totals.remoteCandidateType =
          (byId.get(pair?.remoteCandidateId as string)?.candidateType as string) ?? null;
      }
    }
    return totals;
  });
}

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
