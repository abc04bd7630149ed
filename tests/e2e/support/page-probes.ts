/**
 * Init scripts for call tests that watch what a page does with browser APIs the test cannot see otherwise:
 * notifications it shows, the ringtone's audio graph, and a switch that makes the page believe its tab is
 * hidden. Install with context.addInitScript() before the page loads.
 */
import type { Page } from 'playwright-core';

export interface ProbeRecord {
  notifications: { title: string; body: string; closed: boolean }[];
  oscillatorsStarted: number;
  contextsClosed: number;
  /** The state of every AudioContext the page made, oldest first ('running', 'closed', ...). */
  contextStates: string[];
}

export const PAGE_PROBES = `(() => {
  const record = { notifications: [], oscillatorsStarted: 0, contextsClosed: 0 };
  const contexts = [];
  globalThis.probeRecord = record;
  globalThis.probeContexts = contexts;
  globalThis.probeHidden = false;
  Object.defineProperty(Document.prototype, 'visibilityState', {
    configurable: true,
    get() { return globalThis.probeHidden ? 'hidden' : 'visible'; },
  });
  const Native = globalThis.Notification;
  if (Native) {
    class Recorded extends Native {
      constructor(title, options) {
        super(title, options);
        const entry = { title, body: options?.body ?? '', closed: false };
        record.notifications.push(entry);
        const close = this.close.bind(this);
        this.close = () => { entry.closed = true; close(); };
      }
    }
    globalThis.Notification = Recorded;
  }
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) { record.oscillatorsStarted++; return start.apply(this, args); };
  const close = AudioContext.prototype.close;
  AudioContext.prototype.close = function () { record.contextsClosed++; return close.call(this); };
  const NativeAudio = globalThis.AudioContext;
  globalThis.AudioContext = class extends NativeAudio {
    constructor(...args) { super(...args); contexts.push(this); }
  };
})();`;

export const probeRecord = (page: Page): Promise<ProbeRecord> =>
  page.evaluate(() => {
    const g = globalThis as unknown as { probeRecord: ProbeRecord; probeContexts: AudioContext[] };
    return { ...g.probeRecord, contextStates: g.probeContexts.map((context) => context.state) };
  });

export const setHidden = (page: Page, hidden: boolean): Promise<void> =>
  page.evaluate((value) => {
    (globalThis as unknown as { probeHidden: boolean }).probeHidden = value;
  }, hidden);
