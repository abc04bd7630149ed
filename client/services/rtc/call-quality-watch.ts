/**
 * The call's quality over time: a sample of the connection's stats every QUALITY_MS while the call is active,
 * judged against the one before (quality.ts), and whether the camera we send has gone silent.
 */
import type { CallConnection } from './call-connection.ts';
import { type Quality, type QualitySample, qualityBetween, sampleOf, videoStalled } from './quality.ts';

const QUALITY_MS = 2000;

export class QualityWatch {
  private lastSample: QualitySample | null = null;
  private silentIntervals = 0;
  private sampledAt = 0;

  /** Whether a sample is due at `now`. */
  due(now: number): boolean {
    return now - this.sampledAt >= QUALITY_MS;
  }

  /**
   * Samples `connection`; null when `current()` is no longer that connection once the stats have come. Only
   * the camera is judged silent (`judgeCamera`: neither a shared screen, which may encode nothing while it does
   * not change, nor a camera turned off), and only after two silent intervals in a row (a moment without
   * network pauses the encoder too).
   */
  async sample(
    connection: CallConnection,
    now: number,
    current: () => CallConnection | null,
    judgeCamera: () => boolean,
  ): Promise<{ quality: Quality; cameraSilent: boolean } | null> {
    this.sampledAt = now;
    const sample = sampleOf(await connection.getStats());
    if (current() !== connection) return null;
    const stalled = videoStalled(this.lastSample, sample) && judgeCamera();
    this.silentIntervals = stalled ? this.silentIntervals + 1 : 0;
    const quality = qualityBetween(this.lastSample, sample);
    this.lastSample = sample;
    return { quality, cameraSilent: this.silentIntervals >= 2 };
  }

  reset(): void {
    this.lastSample = null;
    this.silentIntervals = 0;
  }
}
