/**
 * Deterministic synthetic MachineSamples of one packaging machine for the OEE benchmark
 * (bench/oee.ts): one sample per simulated second, every tag in every sample (a connector with
 * periodic output), from a seeded PRNG, so every contender of a run sees exactly the same input.
 *
 * The machine: PackML StateCurrent (STANDARDS.md 2.1 numbers) runs Execute for a few minutes
 * (exponential, mean `meanRunS`), then stops: starved/blocked (Suspending, Suspended,
 * Unsuspending), a fault (Holding, Held with a Fault code, Unholding), an operator stop
 * (Stopping, Stopped, Resetting, Idle, Starting) or an abort (Aborting, Aborted with a Fault code,
 * Clearing, Stopped, ...). When an order's quantity is made, the order changes over (Completing,
 * Complete, Resetting, Idle, Starting) and the GoodCount/RejectCount counters are reset to 0 with
 * the new OrderId. In Execute it makes parts at 80..95 % of the ideal rate (ideal cycle time
 * `idealCycleTimeS`), 2 % of them rejects; Speed is parts per minute (0 when not executing).
 */
import type { MachineSample } from "../../lib/types";
import { PACKML_STATE } from "../../sim/model";

/** PackML StateCurrent numbers (STANDARDS.md 2.1), as the line simulator has them. */
export const PACKML = PACKML_STATE;

export interface SampleOptions {
  seed: number;
  /** Epoch ms of the first sample. */
  epochMs: number;
  /** Simulated time between samples, ms. */
  periodMs: number;
  asset: string;
  idealCycleTimeS: number;
  /** Mean length of an Execute stretch, s. */
  meanRunS: number;
}

/** mulberry32: a small, fast, seeded 32-bit PRNG; uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One stretch of a state: the state number, how many samples it lasts and its Fault code. */
interface Stretch {
  state: number;
  samples: number;
  fault: number;
}

/** What the generator made so far: the truth the contenders' counts are checked against. */
export interface Truth {
  samples: number;
  /** Parts made after the first sample (counter deltas), good and reject. */
  good: number;
  reject: number;
  /** Samples in Execute, stops begun, order changes (counter resets). */
  executeSamples: number;
  stops: number;
  orderChanges: number;
}

export class SampleGenerator {
  readonly truth: Truth = { samples: 0, good: 0, reject: 0, executeSamples: 0, stops: 0, orderChanges: 0 };
  private readonly rand: () => number;
  private readonly plan: Stretch[] = [];
  private ts: number;
  private goodCount = 0;
  private rejectCount = 0;
  private order = 1;
  private orderLeft: number;
  private partAcc = 0;
  private rate = 0;

  constructor(private readonly o: SampleOptions) {
    this.rand = mulberry32(o.seed);
    this.ts = o.epochMs;
    this.orderLeft = this.orderQuantity();
    this.plan.push({ state: PACKML.Execute, samples: this.runLength(), fault: 0 });
  }

  /** Samples that last `seconds` of simulated time (at least one). */
  private span(seconds: number): number {
    return Math.max(1, Math.round((seconds * 1000) / this.o.periodMs));
  }

  private between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.rand();
  }

  private runLength(): number {
    return this.span(-Math.log(1 - this.rand()) * this.o.meanRunS + 5);
  }

  private orderQuantity(): number {
    return Math.round(this.between(8_000, 20_000));
  }

  /** The states after an Execute stretch: a stop or an order change, then Execute again. */
  private planStop(): void {
    const s = (state: number, seconds: number, fault = 0) =>
      this.plan.push({ state, samples: this.span(seconds), fault });
    if (this.orderLeft <= 0) {
      s(PACKML.Completing, 5);
      s(PACKML.Complete, this.between(300, 1200)); // changeover
      s(PACKML.Resetting, 5);
      s(PACKML.Idle, this.between(10, 60));
      s(PACKML.Starting, 5);
    } else {
      this.truth.stops++;
      const kind = this.rand();
      const fault = 1 + Math.floor(this.rand() * 12);
      if (kind < 0.5) {
        s(PACKML.Suspending, 1);
        s(PACKML.Suspended, this.between(5, 90)); // starved or blocked
        s(PACKML.Unsuspending, 1);
      } else if (kind < 0.8) {
        s(PACKML.Holding, 2, fault);
        s(PACKML.Held, this.between(30, 600), fault);
        s(PACKML.Unholding, 2);
      } else if (kind < 0.95) {
        s(PACKML.Stopping, 3);
        s(PACKML.Stopped, this.between(60, 300));
        s(PACKML.Resetting, 5);
        s(PACKML.Idle, this.between(10, 60));
        s(PACKML.Starting, 5);
      } else {
        s(PACKML.Aborting, 2, fault);
        s(PACKML.Aborted, this.between(30, 300), fault);
        s(PACKML.Clearing, 10, fault);
        s(PACKML.Stopped, this.between(10, 60));
        s(PACKML.Resetting, 5);
        s(PACKML.Idle, this.between(10, 30));
        s(PACKML.Starting, 5);
      }
    }
    this.plan.push({ state: PACKML.Execute, samples: this.runLength(), fault: 0 });
  }

  /** The next sample. */
  next(): MachineSample {
    let cur = this.plan[0] as Stretch;
    if (cur.samples <= 0) {
      const ended = this.plan.shift() as Stretch;
      if (ended.state === PACKML.Execute) this.planStop();
      else if (ended.state === PACKML.Complete) {
        // The changeover ends: new order, counters reset (the PLC zeroes them at order start).
        this.order++;
        this.orderLeft = this.orderQuantity();
        this.goodCount = 0;
        this.rejectCount = 0;
        this.truth.orderChanges++;
      }
      cur = this.plan[0] as Stretch;
      if (cur.state === PACKML.Execute) this.rate = this.between(0.8, 0.95) / this.o.idealCycleTimeS;
    }
    cur.samples--;
    const first = this.truth.samples === 0;
    if (cur.state === PACKML.Execute) {
      this.truth.executeSamples++;
      this.partAcc += this.rate * (this.o.periodMs / 1000) * this.between(0.9, 1.1);
      const parts = Math.floor(this.partAcc);
      this.partAcc -= parts;
      for (let p = 0; p < parts; p++) {
        if (this.rand() < 0.02) {
          this.rejectCount++;
          if (!first) this.truth.reject++;
        } else {
          this.goodCount++;
          if (!first) this.truth.good++;
        }
        this.orderLeft--;
      }
    }
    this.truth.samples++;
    const executing = cur.state === PACKML.Execute;
    const sample: MachineSample = {
      kind: "MachineSample",
      asset: this.o.asset,
      ts: this.ts,
      values: {
        StateCurrent: { value: cur.state, quality: "Good" },
        GoodCount: { value: this.goodCount, quality: "Good" },
        RejectCount: { value: this.rejectCount, quality: "Good" },
        Speed: { value: executing ? Math.round(this.rate * 60) : 0, quality: "Good" },
        Fault: { value: cur.fault, quality: "Good" },
        OrderId: { value: `ORD-${String(this.order).padStart(6, "0")}`, quality: "Good" },
      },
      stale: false,
    };
    this.ts += this.o.periodMs;
    return sample;
  }
}
