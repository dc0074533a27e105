/**
 * The clock the state classifier's flicker filter runs on: the samples' own time line. Samples
 * may arrive late (a backlog, a PLC clock behind Node-RED's); timing the filter on the wall clock
 * would then find every candidate state due at once, and a 300 ms flicker would become a state.
 * So the time of a tick is the last sample's time plus the wall-clock time since it arrived:
 * `lastSampleTs + (wallMs - arrivalMs)`, never going back. Pure: the caller passes the wall clock.
 */
import type { EpochMs } from "../types";

export class SampleClock {
  private base: { ts: EpochMs; at: EpochMs } | null = null;
  private last = Number.NEGATIVE_INFINITY;

  /** A sample dated `ts` was used, at wall-clock time `wallMs`. */
  observe(ts: EpochMs, wallMs: EpochMs): void {
    if (!Number.isFinite(ts) || !Number.isFinite(wallMs)) return;
    // The first sample starts the sample clock: the wall clock used before it does not hold it back.
    if (this.base === null) this.last = Number.NEGATIVE_INFINITY;
    this.base = { ts, at: wallMs };
  }

  /** The sample-clock time at wall-clock time `wallMs` (the wall clock until a sample was seen); monotone. */
  now(wallMs: EpochMs): EpochMs {
    const t = this.base === null ? wallMs : this.base.ts + Math.max(0, wallMs - this.base.at);
    if (t > this.last) this.last = t;
    return this.last;
  }
}
