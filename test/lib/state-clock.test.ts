/**
 * The sample clock of the classifier's flicker filter (lib/state/clock.ts): a tick's time is the
 * last sample's time plus the wall-clock time since that sample arrived, never going back. With
 * it, samples that arrive late (a backlog, a PLC clock behind) keep their flicker filter.
 */
import assert from "node:assert/strict";
import { DEFAULT_CONFIG, initialState, step } from "../../lib/state/classifier";
import { SampleClock } from "../../lib/state/clock";
import type { ClassifierInput } from "../../lib/state/types";
import type { StateChange } from "../../lib/types";

const T = Date.UTC(2026, 2, 2, 8);

describe("lib/state/clock: SampleClock", () => {
  it("is the wall clock until a sample is seen", () => {
    const c = new SampleClock();
    assert.equal(c.now(T), T, "wall clock");
  });

  it("is the last sample's time plus the wall time since it arrived", () => {
    const c = new SampleClock();
    c.observe(T, T + 30_000); // the sample arrives 30 s after its time
    assert.equal(c.now(T + 30_000), T, "at arrival: the sample's time");
    assert.equal(c.now(T + 32_000), T + 2000, "2 s later");
    c.observe(T + 5000, T + 36_000);
    assert.equal(c.now(T + 36_500), T + 5500, "the newer sample rebases it");
  });

  it("never goes back, though a new sample is behind what it had reached", () => {
    const c = new SampleClock();
    c.observe(T, T);
    assert.equal(c.now(T + 1000), T + 1000, "1 s on");
    c.observe(T + 500, T + 1000); // jitter: this sample is dated 500 ms behind the clock
    assert.equal(c.now(T + 1000), T + 1000, "not back to T + 500");
    assert.equal(c.now(T + 1600), T + 1100, "moves on from the sample once it is ahead");
  });

  it("the first sample starts it, even when the wall clock ran ahead before", () => {
    const c = new SampleClock();
    assert.equal(c.now(T + 30_000), T + 30_000, "wall clock");
    c.observe(T, T + 30_000);
    assert.equal(c.now(T + 30_000), T, "the sample clock");
  });

  it("keeps a 300 ms flicker out of samples that arrive 30 s late (2 s minimum duration)", () => {
    // Execute, then Held for 300 ms, then Execute again; each sample arrives LAG after its time.
    // On the sample clock the Held candidate is due 2 s after it began, which the next sample
    // (300 ms later) never reaches: Held is dropped.
    const LAG = 30_000;
    const cfg = { ...DEFAULT_CONFIG, minDurationMs: 2000 };
    const clock = new SampleClock();
    let state = initialState();
    const changes: StateChange[] = [];
    const feed = (input: ClassifierInput, nowMs: number) => {
      const r = step(cfg, state, input, nowMs);
      state = r.state;
      changes.push(...r.changes);
      return r.nextDueMs;
    };
    const sampleAt = (ts: number, code: number) => {
      const wall = ts + LAG;
      clock.observe(ts, wall);
      return feed(
        {
          type: "sample",
          sample: {
            kind: "MachineSample",
            asset: "a/b/c/d",
            ts,
            stale: false,
            values: { StateCurrent: { value: code, quality: "Good" } },
          },
        },
        wall,
      );
    };
    sampleAt(T, 6);
    const due = sampleAt(T + 1000, 11);
    assert.equal(due, T + 3000, "Held due 2 s after it began");
    // The node arms its timer for due - clock.now(): 2 s, not 0 (due - wall clock would be < 0).
    assert.equal((due ?? 0) - clock.now(T + 1000 + LAG), 2000, "the timer waits 2 s");
    // 300 ms later the next sample arrives, before the timer.
    sampleAt(T + 1300, 6);
    // The timer would fire now: nothing is waiting any more.
    feed({ type: "tick" }, clock.now(T + 3000 + LAG));
    assert.deepEqual(
      changes.map((c) => c.state),
      ["Execute"],
      "no Held from a 300 ms flicker",
    );
  });
});
