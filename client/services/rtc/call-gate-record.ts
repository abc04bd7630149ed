/**
 * The times of one call's certificate check and gate (GateRecord, for the benchmark and the tests that prove no
 * media flowed before the check passed): when the check started, when DTLS connected, when the certificate was
 * verified and the gate opened, and what had flowed by the report the check read.
 */
import type { FlowedSoFar } from './call-connection.ts';
import type { GateRecord } from './call-types.ts';

export class GateTimes {
  private startedAt = 0;
  private dtlsConnectedAt = 0;
  private current: GateRecord | null = null;

  get record(): GateRecord | null {
    return this.current;
  }

  /** A new peer connection: nothing recorded yet. */
  reset(): void {
    this.current = null;
    this.dtlsConnectedAt = 0;
  }

  /** The answer was made (callee) or applied (caller): the certificate check starts. */
  started(now: number): void {
    this.startedAt = now;
  }

  dtlsConnected(now: number): void {
    this.dtlsConnectedAt = now;
  }

  /** From the report the check itself read: no second getStats() between the check and the gate opening. */
  verified(now: number, flowed: FlowedSoFar): void {
    this.current = {
      startedAt: this.startedAt,
      dtlsConnectedAt: this.dtlsConnectedAt,
      verifiedAt: now,
      openedAt: now,
      inboundPacketsAtVerify: flowed.inboundPackets,
      outboundBytesAtVerify: flowed.outboundBytes,
    };
  }

  opened(now: number): void {
    if (this.current) this.current = { ...this.current, openedAt: now };
  }
}
