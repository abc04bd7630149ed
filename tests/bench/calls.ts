/**
 * Calls: call setup and accept → first remote video frame, Tincan (signed, sealed signalling through
 * the relay, the media gate) beside a plain WebRTC call with unsigned, unencrypted signalling over a bare
 * WebSocket forwarder, in the same browser contexts, on loopback, in alternating rounds; plus the gate's own
 * cost.
 *
 *   setup                  caller's click → first remote frame presented on the caller's page, the callee
 *                          accepting the moment it rings
 *   accept → first frame   callee's accept, after RING_MS of ringing → the later of the two pages' first frames
 *   gate                   DTLS connected → tracks on (the check, then the callee's camera if it comes later),
 *                          and certificate verified → first remote frame, against plain DTLS connected → first
 *                          frame
 *
 * Three Tincan cases: a verified contact (the callee's page connects ICE and DTLS while it rings, media still
 * gated until the accept); an unverified contact on a relay with TURN, a real coturn (the default "hide my IP
 * address" makes the call relay-only, so it too connects while it rings, showing the caller only the TURN
 * server's address); and an unverified contact on a relay without TURN (the callee's answer leaves while it
 * rings, without addresses; ICE starts only on the accept, so as not to show the caller the callee's address,
 * and the caller takes the callee's verified handshake as the accept).
 * Times are epoch ms from performance.timeOrigin + performance.now() in each page (one machine, one clock); a
 * first frame is the moment requestVideoFrameCallback says it was presented (handed to the compositor), the same
 * in every page, so that a busy main thread running the callback late does not count as a late frame.
 */
import type { Browser, Page } from 'playwright-core';
import { toHex } from '../../crypto/bytes.ts';
import { parseContactInput } from '../../crypto/contact-code.ts';
import type { Relay } from '../../relay/server.ts';
import type { BuiltClient } from '../e2e/support/build-client.ts';
import { buildTestClient, caller, launchForCalls, makeContacts } from '../e2e/support/call-setup.ts';
import type { Person } from '../e2e/support/person.ts';
import { startRelay, startTurnRelay } from '../e2e/support/relay.ts';
import { rtpTotals } from '../e2e/support/rtp-totals.ts';
import { type Coturn, startCoturn } from '../support/coturn.ts';
import { startPlainCallServer } from './support/plain-call.ts';
import { median, pairedRatio, spread } from './support/stats.ts';
import {
  atMost,
  type BenchTable,
  formatMs,
  formatRatio,
  type GoalVerdict,
  verdictMark,
} from './support/table.ts';

const ROUNDS = 21;
const WARMUP = 1;
const RATIO_GOAL = 1.15;
/** How long the callee lets it ring before accepting, in the accept → first frame rounds. */
const RING_MS = 1500;
const ROUND_TIMEOUT_MS = 20_000;
/**
 * Chromium's fake camera runs at 20 fps unless told otherwise; webcams deliver 30. A first frame after the
 * gate opens waits for the camera's next frames, so the camera's rate is part of what is measured: the bench
 * uses the common one, and both pages ask for it.
 */
const CAMERA_FPS = 30;
const FAKE_CAMERA = `--use-fake-device-for-media-stream=fps=${CAMERA_FPS}`;
const TURN_SECRET = 'tincan-bench-turn-secret-0123456789';

type Contender = 'verified' | 'relayed' | 'unverified' | 'plain' | 'held';
const CONTENDERS: readonly Contender[] = ['verified', 'relayed', 'unverified', 'plain', 'held'];
const LABEL: Record<Contender, string> = {
  verified: 'Tincan, verified contact',
  relayed: 'Tincan, unverified contact, TURN (relay only)',
  unverified: 'Tincan, unverified contact, no TURN',
  plain: 'plain WebRTC',
  held: 'plain, tracks on at DTLS connected',
};
/** Reference rows: shown beside plain, with no goal of their own. */
const REFERENCE: readonly Contender[] = ['plain', 'held'];

interface Times {
  dialAt?: number;
  acceptAt?: number;
  dtlsConnectedAt?: number;
  verifiedAt?: number;
  openedAt?: number;
  firstFrameAt?: number;
}

interface Sample {
  readonly setup: number;
  readonly acceptToFrame: number;
  /** Per page: DTLS connected → first remote frame. */
  readonly dtlsToFrame: number[];
  /** Tincan only, per page: DTLS connected → tracks on, and certificate verified → first remote frame. */
  readonly gateOpen: number[];
  readonly verifiedToFrame: number[];
}

type Global = Record<string, never> & {
  callProbe: { times: Times; epoch(): number; acceptDelayMs: number; reset(): void };
  tincanCalls: {
    call: {
      value: { phase: string } | null;
      subscribe(fn: (call: { phase: string } | null) => void): () => void;
    };
    service: { gateRecord: { dtlsConnectedAt: number; verifiedAt: number; openedAt: number } | null };
    start(key: string, media: string): Promise<void>;
    accept(): Promise<void>;
    hangup(): void;
    dismiss(): void;
  };
  plainCall: {
    times: Times;
    acceptDelayMs: number;
    start(id: string): Promise<void>;
    hangup(): void;
    reset(): void;
  };
};

/** In a Tincan page: auto-accept after a delay (callee), a first-frame mark on the remote video. */
async function installTincanProbe(page: Page, autoAccept: boolean): Promise<void> {
  // tsx keeps function names with an __name() helper that does not exist inside the page.
  await page.evaluate('globalThis.__name ??= (fn) => fn');
  await page.evaluate((accept) => {
    const g = globalThis as unknown as Global;
    const epoch = () => performance.timeOrigin + performance.now();
    const times: Times = {};
    const probe = {
      times,
      epoch,
      acceptDelayMs: 0,
      reset: () => {
        for (const key of Object.keys(times)) delete times[key as keyof Times];
      },
    };
    let hooked: Element | null = null;
    const hook = () => {
      const video = document.querySelector('[data-testid="remote-video"]') as HTMLVideoElement | null;
      if (!video || video === hooked) return;
      hooked = video;
      // When the frame went to the compositor, which shows it without waiting for the page's main thread.
      video.requestVideoFrameCallback((_now, frame) => {
        times.firstFrameAt ??= performance.timeOrigin + frame.presentationTime;
      });
    };
    new MutationObserver(hook).observe(document.body, { subtree: true, childList: true });
    let ringing = false;
    g.tincanCalls.call.subscribe((call) => {
      if (!accept || call?.phase !== 'incoming' || ringing) return;
      ringing = true;
      setTimeout(() => {
        ringing = false;
        times.acceptAt = epoch();
        void g.tincanCalls.accept();
      }, probe.acceptDelayMs);
    });
    (g as unknown as { callProbe: typeof probe }).callProbe = probe;
  }, autoAccept);
}

async function readTincan(page: Page): Promise<Times> {
  return page.evaluate(() => {
    const g = globalThis as unknown as Global;
    const record = g.tincanCalls.service.gateRecord;
    const gate = record
      ? { dtlsConnectedAt: record.dtlsConnectedAt, verifiedAt: record.verifiedAt, openedAt: record.openedAt }
      : {};
    return { ...g.callProbe.times, ...gate };
  });
}

/** What a Tincan page's call looks like, for the error when a round times out. */
const describeCall = (page: Page): Promise<string> =>
  page.evaluate(async () => {
    const g = globalThis as unknown as Global & {
      tincanCalls: { service: { peerConnection: RTCPeerConnection | null } };
    };
    const pc = g.tincanCalls.service.peerConnection;
    return JSON.stringify({
      call: g.tincanCalls.call.value,
      times: g.callProbe.times,
      gate: g.tincanCalls.service.gateRecord,
      connection: pc?.connectionState ?? null,
      remoteVideo: document.querySelector('[data-testid="remote-video"]') !== null,
      // The transport's own word and the stats' one: Chromium has left the first behind (call-connection.ts).
      dtls: pc?.getSenders().find((s) => s.transport)?.transport?.state ?? null,
      statsDtls: pc
        ? [...(await pc.getStats()).values()]
            .filter((stats: { type: string }) => stats.type === 'transport')
            .map((stats: { dtlsState?: string }) => stats.dtlsState)
        : null,
    });
  });

const readPlain = (page: Page): Promise<Times> =>
  page.evaluate(() => ({ ...(globalThis as unknown as Global).plainCall.times }));

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ROUND_TIMEOUT_MS) throw new Error(`calls bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function sampleOf(callerTimes: Times, calleeTimes: Times, gated: boolean): Sample {
  const pages = [callerTimes, calleeTimes];
  return {
    setup: callerTimes.firstFrameAt! - callerTimes.dialAt!,
    acceptToFrame: Math.max(callerTimes.firstFrameAt!, calleeTimes.firstFrameAt!) - calleeTimes.acceptAt!,
    dtlsToFrame: pages.map((t) => t.firstFrameAt! - t.dtlsConnectedAt!),
    gateOpen: gated ? pages.map((t) => t.openedAt! - t.dtlsConnectedAt!) : [],
    verifiedToFrame: gated ? pages.map((t) => t.firstFrameAt! - t.verifiedAt!) : [],
  };
}

async function tincanCall(
  from: Person,
  to: Person,
  toKey: string,
  acceptDelayMs: number,
  relayOnly: boolean,
): Promise<Sample> {
  for (const page of [from.page, to.page]) {
    await page.evaluate((delay) => {
      const probe = (globalThis as unknown as Global).callProbe;
      probe.reset();
      probe.acceptDelayMs = delay;
    }, acceptDelayMs);
  }
  await from.page.evaluate((key) => {
    const g = globalThis as unknown as Global;
    g.callProbe.times.dialAt = g.callProbe.epoch();
    void g.tincanCalls.start(key, 'video');
  }, toKey);
  await until(async () => {
    const [a, b] = await Promise.all([readTincan(from.page), readTincan(to.page)]);
    return (
      a.firstFrameAt !== undefined &&
      b.firstFrameAt !== undefined &&
      a.openedAt !== undefined &&
      b.openedAt !== undefined
    );
  }, 'first frames (Tincan)').catch(async (error) => {
    for (const page of [from.page, to.page]) console.error(await describeCall(page));
    throw error;
  });
  const [a, b] = await Promise.all([readTincan(from.page), readTincan(to.page)]);
  if (relayOnly) {
    // The row says relay only: a call that took another path would be measuring something else.
    const pairs = (await Promise.all([rtpTotals(from.page), rtpTotals(to.page)])).map(
      (t) => `${t.localCandidateType}/${t.remoteCandidateType}`,
    );
    if (pairs.some((pair) => pair !== 'relay/relay'))
      throw new Error(`calls bench: a relay-only call used ${pairs.join(', ')}`);
  }
  await from.page.evaluate(() => (globalThis as unknown as Global).tincanCalls.hangup());
  await until(
    async () =>
      (await to.page.evaluate(() => (globalThis as unknown as Global).tincanCalls.call.value?.phase)) ===
      'ended',
    'hang-up (Tincan)',
  );
  for (const page of [from.page, to.page])
    await page.evaluate(() => (globalThis as unknown as Global).tincanCalls.dismiss());
  return sampleOf(a, b, true);
}

async function plainCall(from: Page, to: Page, toId: string, acceptDelayMs: number): Promise<Sample> {
  for (const page of [from, to]) {
    await page.evaluate((delay) => {
      const plain = (globalThis as unknown as Global).plainCall;
      plain.reset();
      plain.acceptDelayMs = delay;
    }, acceptDelayMs);
  }
  await from.evaluate((id) => void (globalThis as unknown as Global).plainCall.start(id), toId);
  await until(async () => {
    const [a, b] = await Promise.all([readPlain(from), readPlain(to)]);
    return a.firstFrameAt !== undefined && b.firstFrameAt !== undefined;
  }, 'first frames (plain)');
  const [a, b] = await Promise.all([readPlain(from), readPlain(to)]);
  await from.evaluate(() => (globalThis as unknown as Global).plainCall.hangup());
  return sampleOf(a, b, false);
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

export async function runCallsBench(): Promise<BenchTable[]> {
  let client: BuiltClient | undefined;
  let browser: Browser | undefined;
  let relay: Relay | undefined;
  let turnRelay: Relay | undefined;
  let coturn: Coturn | undefined;
  const plainServer = await startPlainCallServer();
  try {
    [client, browser, coturn] = await Promise.all([
      buildTestClient(),
      launchForCalls([FAKE_CAMERA]),
      startCoturn(TURN_SECRET),
    ]);
    relay = await startRelay(client.dir);
    turnRelay = await startTurnRelay(client.dir, coturn.port, TURN_SECRET);
    const alice = await caller(browser, relay.httpUrl, 'Alice');
    const bob = await caller(browser, relay.httpUrl, 'Bob');
    const carol = await caller(browser, relay.httpUrl, 'Carol');
    // Dave calls Erin through the relay that has TURN; they have not compared safety numbers.
    const dave = await caller(browser, turnRelay.httpUrl, 'Dave');
    const erin = await caller(browser, turnRelay.httpUrl, 'Erin');
    const people = [alice, bob, carol, dave, erin];
    await Promise.all(people.map((p) => p.create(`${p.name} bench passphrase`)));
    await Promise.all(people.map((p) => p.waitOnline()));
    const bobKey = toHex(parseContactInput(await bob.myCode()).publicKey);
    const erinKey = toHex(parseContactInput(await erin.myCode()).publicKey);
    await makeContacts(alice, bob);
    await makeContacts(carol, bob);
    await makeContacts(dave, erin);
    // Bob has compared safety numbers with Alice, not with Carol.
    await bob.markVerified('Alice');
    await alice.openChat('Bob');
    await carol.openChat('Bob');
    await dave.openChat('Erin');
    for (const person of [alice, carol, dave]) await installTincanProbe(person.page, false);
    for (const person of [bob, erin]) await installTincanProbe(person.page, true);
    // The plain pages live in the callers' and the callee's browser contexts.
    const plainAlice = await alice.newTab(`${plainServer.url}?id=alice`);
    const plainBob = await bob.newTab(`${plainServer.url}?id=bob`);
    const heldAlice = await alice.newTab(`${plainServer.url}?id=alice-held&held=1`);
    const heldBob = await bob.newTab(`${plainServer.url}?id=bob-held&held=1`);

    const call = async (contender: Contender, acceptDelayMs: number): Promise<Sample> => {
      if (contender === 'plain' || contender === 'held') {
        const [from, to] = contender === 'plain' ? [plainAlice, plainBob] : [heldAlice, heldBob];
        await Promise.all([from.bringToFront(), to.bringToFront()]);
        return plainCall(from, to, contender === 'plain' ? 'bob' : 'bob-held', acceptDelayMs);
      }
      const [from, to, toKey] =
        contender === 'relayed'
          ? [dave, erin, erinKey]
          : [contender === 'verified' ? alice : carol, bob, bobKey];
      await Promise.all([from.page.bringToFront(), to.page.bringToFront()]);
      return tincanCall(from, to, toKey, acceptDelayMs, contender === 'relayed');
    };

    let retried = 0;
    // A round that times out (a call that never showed a frame: rare, on a loaded machine) is hung up and run
    // again once, and counted in the table's notes, rather than losing the whole suite.
    const hangUpAll = async () => {
      for (const page of [plainAlice, plainBob, heldAlice, heldBob])
        await page.evaluate(() => (globalThis as unknown as Global).plainCall.hangup()).catch(() => {});
      for (const person of people)
        await person.page
          .evaluate(() => {
            const calls = (globalThis as unknown as Global).tincanCalls;
            calls.hangup();
            calls.dismiss();
          })
          .catch(() => {});
    };
    const attempt = async (contender: Contender, acceptDelayMs: number): Promise<Sample> => {
      try {
        return await call(contender, acceptDelayMs);
      } catch (error) {
        console.error(`  ${LABEL[contender]}: ${(error as Error).message}; hung up, running the round again`);
        retried += 1;
        await hangUpAll();
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        return call(contender, acceptDelayMs);
      }
    };

    const setups = new Map<Contender, number[]>(CONTENDERS.map((c) => [c, []]));
    const accepts = new Map<Contender, Sample[]>(CONTENDERS.map((c) => [c, []]));
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      const measured = round >= WARMUP;
      // Rotate the order each round, so that no contender always goes first after the others.
      const order = CONTENDERS.map((_, i) => CONTENDERS[(i + round) % CONTENDERS.length]!);
      for (const contender of order) {
        const immediate = await attempt(contender, 0);
        await settle();
        const rung = await attempt(contender, RING_MS);
        await settle();
        if (!measured) continue;
        setups.get(contender)!.push(immediate.setup);
        accepts.get(contender)!.push(rung);
      }
    }
    return tables(setups, accepts, retried);
  } finally {
    await browser?.close();
    await relay?.close();
    await turnRelay?.close();
    await coturn?.close();
    await plainServer.close();
    await client?.remove();
  }
}

function tables(
  setups: Map<Contender, number[]>,
  accepts: Map<Contender, Sample[]>,
  retried: number,
): BenchTable[] {
  const goal = atMost(RATIO_GOAL, '×');
  const verdicts: GoalVerdict[] = [];
  const comparison = (
    title: string,
    values: (c: Contender) => number[],
    measure: string,
    notes: string[] = [],
    withGoal = true,
  ): BenchTable => {
    const plain = values('plain');
    const rows = CONTENDERS.map((contender) => {
      const own = values(contender);
      const { min, max } = spread(own);
      const cells = [LABEL[contender], formatMs(median(own)), `${formatMs(min)}–${formatMs(max)}`];
      if (contender === 'plain') return [...cells, '1.00×', '', ''];
      const ratio = pairedRatio(own, plain);
      if (!withGoal || REFERENCE.includes(contender)) return [...cells, formatRatio(ratio), '—', ''];
      verdicts.push({
        subject: `calls: ${measure}, ${LABEL[contender]} vs plain WebRTC`,
        goal: goal.text,
        met: goal.met(ratio),
      });
      return [...cells, formatRatio(ratio), goal.text, verdictMark(goal, ratio)];
    });
    return {
      title,
      columns: [
        { header: 'contender' },
        { header: 'median', align: 'right' },
        { header: 'min–max', align: 'right' },
        { header: 'ratio', align: 'right' },
        { header: 'goal' },
        { header: 'pass' },
      ],
      rows,
      notes,
      goals: verdicts.splice(0),
    };
  };
  const setupTable = comparison(
    `Click → first remote frame, callee accepting the moment it rings (median of ${ROUNDS} rounds)`,
    (c) => setups.get(c)!,
    'click → first frame',
    [
      'no goal: the issue sets its goal on call setup measured from the accept (next table); shown for completeness',
      'includes the signed, sealed offer through the relay and the ringing page; nothing can be done before anyone answers',
    ],
    false,
  );
  const acceptTable = comparison(
    `Accept → first remote frame on both pages, after ${RING_MS / 1000} s of ringing (median of ${ROUNDS} rounds)`,
    (c) => accepts.get(c)!.map((s) => s.acceptToFrame),
    'accept → first frame',
    [
      `loopback, Chromium headless, fake camera at 640x480 / ${CAMERA_FPS} fps; contenders alternate and rotate each round`,
      'plain: unsigned JSON over a bare WebSocket forwarder, no identities, no gate; ratio = median of per-round ratios',
      'verified contact: the callee’s page connects ICE/DTLS and checks the certificate while it rings; no media before the accept',
      'TURN: a real coturn on loopback, credentials minted by the relay; relay-only, so it connects while it rings too;',
      '  each round checks that both pages’ selected pair is relay/relay',
      'no TURN: connects only on the accept, so that a ringing caller never learns the callee’s address; the gate then',
      '  starts the encoders after the check, which the goal does not allow for (the kept exception: spec/performance.md, Calls)',
      ...(retried > 0 ? [`${retried} call(s) timed out and were run again (see the log above)`] : []),
    ],
  );
  const flat = (c: Contender, pick: (s: Sample) => number[]) => accepts.get(c)!.flatMap(pick);
  const gateTable: BenchTable = {
    title: 'The media gate’s own cost (both pages of every accept round)',
    columns: [
      { header: 'measure' },
      { header: 'median', align: 'right' },
      { header: 'min–max', align: 'right' },
    ],
    rows: [
      [
        'Tincan: DTLS connected → tracks on (the check; on the callee, the camera if it is later)',
        ...medianAndSpread(flat('unverified', (s) => s.gateOpen)),
      ],
      [
        'Tincan: certificate verified → first remote frame',
        ...medianAndSpread(flat('unverified', (s) => s.verifiedToFrame)),
      ],
      [
        'Tincan: DTLS connected → first remote frame',
        ...medianAndSpread(flat('unverified', (s) => s.dtlsToFrame)),
      ],
      ['plain: DTLS connected → first remote frame', ...medianAndSpread(flat('plain', (s) => s.dtlsToFrame))],
      [
        'plain, tracks on at DTLS connected (no check): DTLS connected → first remote frame',
        ...medianAndSpread(flat('held', (s) => s.dtlsToFrame)),
      ],
    ],
    notes: [
      'unverified case (DTLS after the accept, as in plain); a page’s first frame also waits for the other page’s gate',
      'the last row holds the tracks back with replaceTrack(null) and puts them on at DTLS connected, with no check:',
      'what starting the encoders late costs by itself, against the plain row',
      'DTLS connects some 10-20 ms after the accept; the caller’s tracks go on at its own check (the callee’s verified',
      'handshake is its accept), the callee’s once its camera is open: the first row is mostly the camera',
    ],
  };
  return [setupTable, acceptTable, gateTable];
}

/** A page that missed one mark (a DTLS state change seen too late) gives no sample rather than NaN. */
function medianAndSpread(all: number[]): [string, string] {
  const values = all.filter(Number.isFinite);
  if (values.length === 0) return ['—', '—'];
  const s = spread(values);
  const count = values.length < all.length ? ` (${values.length} of ${all.length})` : '';
  return [`${formatMs(median(values))}${count}`, `${formatMs(s.min)}–${formatMs(s.max)}`];
}
