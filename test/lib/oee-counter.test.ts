/**
 * Part counters (lib/oee/counter.ts) and their use in the reducer: resets, wraps, implausible
 * jumps, unusable readings, the consistency of total/reject counters. Expected values are the
 * counter arithmetic worked out by hand in each row.
 */
import assert from "node:assert/strict";
import {
  COUNTER_RANGES,
  counterReading,
  counterStep,
  maxCounterDelta,
  normaliseReading,
  splitCounts,
} from "../../lib/oee/counter";
import type { CounterWrap } from "../../lib/oee/types";
import {
  berlin,
  change,
  config,
  findReport,
  MIN,
  prng,
  run,
  sample,
  sampleAt,
  stateAt,
  tickAt,
} from "./oee-support";

const U32 = 2 ** 32;

describe("lib/oee/counter: counterStep", () => {
  const rows: Array<{
    name: string;
    prev: number | undefined;
    cur: unknown;
    wrap: CounterWrap;
    max: number;
    delta: number;
    event: string | null;
    baseline: number | undefined;
  }> = [
    {
      name: "first reading is the baseline",
      prev: undefined,
      cur: 500,
      wrap: "uint32",
      max: 100,
      delta: 0,
      event: null,
      baseline: 500,
    },
    {
      name: "normal step",
      prev: 100,
      cur: 107,
      wrap: "uint32",
      max: 100,
      delta: 7,
      event: null,
      baseline: 107,
    },
    {
      name: "no change",
      prev: 100,
      cur: 100,
      wrap: "uint32",
      max: 100,
      delta: 0,
      event: null,
      baseline: 100,
    },
    {
      name: "step of exactly maxDelta counts",
      prev: 0,
      cur: 100,
      wrap: "uint32",
      max: 100,
      delta: 100,
      event: null,
      baseline: 100,
    },
    {
      name: "implausible jump: 0, re-baselined",
      prev: 100,
      cur: 250,
      wrap: "uint32",
      max: 100,
      delta: 0,
      event: "counterImplausible",
      baseline: 250,
    },
    {
      name: "UInt32 wrap 4294967290 -> 5 is +11",
      prev: U32 - 6,
      cur: 5,
      wrap: "uint32",
      max: 100,
      delta: 11,
      event: "counterWrap",
      baseline: 5,
    },
    {
      name: "UInt32 wrap from the maximum to 0 is +1",
      prev: U32 - 1,
      cur: 0,
      wrap: "uint32",
      max: 100,
      delta: 1,
      event: "counterWrap",
      baseline: 0,
    },
    {
      name: "UInt16 wrap 65530 -> 3 is +9",
      prev: 65530,
      cur: 3,
      wrap: "uint16",
      max: 100,
      delta: 9,
      event: "counterWrap",
      baseline: 3,
    },
    {
      name: "UInt16 reading above 65535 is skipped",
      prev: 10,
      cur: 70000,
      wrap: "uint16",
      max: 100,
      delta: 0,
      event: null,
      baseline: 10,
    },
    {
      name: "reset to 0",
      prev: 5000,
      cur: 0,
      wrap: "uint32",
      max: 100,
      delta: 0,
      event: "counterReset",
      baseline: 0,
    },
    {
      name: "reset, then 7 parts before the reading: 7",
      prev: 5000,
      cur: 7,
      wrap: "uint32",
      max: 100,
      delta: 7,
      event: "counterReset",
      baseline: 7,
    },
    {
      name: "reset to a value above maxDelta: 0",
      prev: 5000,
      cur: 400,
      wrap: "uint32",
      max: 100,
      delta: 0,
      event: "counterReset",
      baseline: 400,
    },
    {
      name: "uint16: a wrapped step above maxDelta is a reset",
      prev: 30000,
      cur: 20,
      wrap: "uint16",
      max: 100,
      delta: 20,
      event: "counterReset",
      baseline: 20,
    },
    {
      name: "no wrap type: a decrease is a reset",
      prev: U32 - 6,
      cur: 5,
      wrap: "none",
      max: 100,
      delta: 5,
      event: "counterReset",
      baseline: 5,
    },
    {
      name: "int32 -1 -> 0 is a wrap of +1",
      prev: U32 - 1,
      cur: 0,
      wrap: "int32",
      max: 100,
      delta: 1,
      event: "counterWrap",
      baseline: 0,
    },
    {
      name: "int32 2147483647 -> -2147483648 is +1",
      prev: 2 ** 31 - 1,
      cur: -(2 ** 31),
      wrap: "int32",
      max: 100,
      delta: 1,
      event: null,
      baseline: 2 ** 31,
    },
    {
      name: "negative reading is skipped",
      prev: 10,
      cur: -1,
      wrap: "uint32",
      max: 100,
      delta: 0,
      event: null,
      baseline: 10,
    },
    {
      name: "NaN is skipped",
      prev: 10,
      cur: Number.NaN,
      wrap: "uint32",
      max: 100,
      delta: 0,
      event: null,
      baseline: 10,
    },
    {
      name: "Infinity is skipped",
      prev: 10,
      cur: Number.POSITIVE_INFINITY,
      wrap: "uint32",
      max: 100,
      delta: 0,
      event: null,
      baseline: 10,
    },
    {
      name: "non-integer is skipped",
      prev: 10,
      cur: 12.5,
      wrap: "uint32",
      max: 100,
      delta: 0,
      event: null,
      baseline: 10,
    },
    {
      name: "a string is skipped",
      prev: 10,
      cur: "12",
      wrap: "uint32",
      max: 100,
      delta: 0,
      event: null,
      baseline: 10,
    },
    {
      name: "above UInt32 range is skipped",
      prev: 10,
      cur: U32,
      wrap: "uint32",
      max: 100,
      delta: 0,
      event: null,
      baseline: 10,
    },
    {
      name: "unusable first reading keeps no baseline",
      prev: undefined,
      cur: null,
      wrap: "uint32",
      max: 100,
      delta: 0,
      event: null,
      baseline: undefined,
    },
  ];
  for (const r of rows) {
    it(r.name, () => {
      const out = counterStep(r.prev, r.cur, r.wrap, r.max);
      assert.equal(out.delta, r.delta, "delta");
      assert.equal(out.event, r.event, "event");
      assert.equal(out.baseline, r.baseline, "baseline");
    });
  }

  // A step down is a wrap only when the counter came from the upper half of its range
  // (prev - cur > modulus / 2, the half-range rule of RFC 1982 serial numbers) and the wrapped
  // step is plausible; otherwise it is a reset. maxDelta here is that of a long stop (4 h at a
  // PRI of 0.5 s, factor 3: 3 x 28 800 + 10 = 86 410), larger than a UInt16 range.
  const long = maxCounterDelta(3, 4 * 3_600_000, 0.5);
  const halfRange: Array<[string, CounterWrap, number, number, number, string]> = [
    ["uint16 reset 1100 -> 0 after a long stop", "uint16", 1100, 0, 0, "counterReset"],
    ["uint16 reset 1100 -> 7: the 7 made since", "uint16", 1100, 7, 7, "counterReset"],
    ["uint16 wrap 65000 -> 100: 536 + 100", "uint16", 65_000, 100, 536 + 100, "counterWrap"],
    // 32868 - 99 = 32769 > 32768: wrap, 65536 - 32868 + 99 = 32767
    ["uint16 just above half the range down is a wrap", "uint16", 32_868, 99, 32_767, "counterWrap"],
    // 32868 - 100 = 32768, not more than half: reset, the 100 since
    ["uint16 exactly half the range down is a reset", "uint16", 32_868, 100, 100, "counterReset"],
    ["uint32 reset 5000 -> 10", "uint32", 5000, 10, 10, "counterReset"],
    ["uint32 wrap 4294967000 -> 500: 296 + 500", "uint32", 4_294_967_000, 500, 296 + 500, "counterWrap"],
  ];
  for (const [name, wrap, prev, cur, delta, event] of halfRange) {
    it(`half-range rule: ${name}`, () => {
      assert.equal(long, 86_410, "maxDelta of the long stop");
      const out = counterStep(prev, cur, wrap, long);
      assert.equal(out.event, event, "event");
      assert.equal(out.delta, delta, "delta");
      assert.equal(out.baseline, cur, "baseline");
    });
  }

  it("flags a number that is no reading of the counter type as out of range (skipped)", () => {
    assert.equal(counterStep(10, U32, "uint32", 100).outOfRange, true, "above UInt32");
    assert.equal(counterStep(10, 70_000, "uint16", 100).outOfRange, true, "above UInt16");
    assert.equal(counterStep(10, -1, "uint32", 100).outOfRange, true, "negative unsigned");
    assert.equal(counterStep(10, 12.5, "uint32", 100).outOfRange, true, "not whole");
    assert.equal(counterStep(10, null, "uint32", 100).outOfRange, undefined, "no number: just skipped");
    assert.equal(counterStep(10, "12", "uint32", 100).outOfRange, undefined, "text: just skipped");
    assert.equal(counterStep(10, 12, "uint32", 100).outOfRange, undefined, "a reading");
  });

  it("never returns a negative, fractional or absurd step over random readings", () => {
    const rnd = prng(7);
    for (const wrap of ["uint32", "uint16", "int32", "none"] as const) {
      const range = COUNTER_RANGES[wrap];
      let prev: number | undefined;
      for (let i = 0; i < 5000; i++) {
        const pick = rnd();
        const cur =
          pick < 0.05
            ? Number.NaN
            : pick < 0.1
              ? -5
              : pick < 0.15
                ? 3.5
                : pick < 0.2
                  ? range.max
                  : pick < 0.25
                    ? 0
                    : Math.floor(range.min + rnd() * (range.max - range.min));
        const max = 10 + Math.floor(rnd() * 200);
        const out = counterStep(prev, cur, wrap, max);
        assert.ok(out.delta >= 0 && Number.isInteger(out.delta), `step ${out.delta} is a whole number >= 0`);
        assert.ok(out.delta <= max, `step ${out.delta} <= maxDelta ${max}`);
        prev = out.baseline;
      }
    }
  });

  it("normalises readings into the counter range", () => {
    assert.equal(normaliseReading(-1, "int32"), U32 - 1, "int32 -1 = 0xFFFFFFFF");
    assert.equal(normaliseReading(65535, "uint16"), 65535, "uint16 maximum");
    assert.equal(normaliseReading(65536, "uint16"), undefined, "uint16 out of range");
    assert.equal(normaliseReading(true, "uint32"), undefined, "boolean");
  });

  it("computes the plausibility limit from the ideal rate", () => {
    // 60 s at 2 s per part = 30 ideal cycles; x 3 + 10 = 100.
    assert.equal(maxCounterDelta(3, 60_000, 2), 100, "3 x 30 + 10");
    assert.equal(maxCounterDelta(3, -5, 2), 10, "no elapsed time: 10");
  });

  it("skips Bad quality and stale values, uses Good and Uncertain", () => {
    assert.equal(counterReading({ value: 5, quality: "BadNotConnected" }), undefined, "Bad");
    assert.equal(counterReading({ value: 5, quality: "Good", stale: true }), undefined, "stale");
    assert.equal(counterReading({ value: 5, quality: "Good" }), 5, "Good");
    assert.equal(counterReading({ value: 5, quality: "UncertainLastUsableValue" }), 5, "Uncertain");
    assert.equal(counterReading(undefined), undefined, "missing");
  });
});

describe("lib/oee/counter: splitCounts", () => {
  const zero = { good: 0, reject: 0, rework: 0 };
  it("good-reject: PQ = good + reject + rework; rework is not good", () => {
    const s = splitCounts("good-reject", { good: 10, reject: 2, total: 0, rework: 1 }, zero, 100);
    assert.deepEqual([s.pq, s.gq, s.sq, s.rq], [13, 10, 2, 1], "pq gq sq rq");
  });
  it("total-reject: GQ = total - reject - rework", () => {
    const s = splitCounts("total-reject", { good: 0, reject: 2, total: 10, rework: 1 }, zero, 100);
    assert.deepEqual([s.pq, s.gq, s.sq, s.rq], [10, 7, 2, 1], "pq gq sq rq");
  });
  it("total-good: SQ = total - good - rework", () => {
    const s = splitCounts("total-good", { good: 7, reject: 0, total: 10, rework: 1 }, zero, 100);
    assert.deepEqual([s.pq, s.gq, s.sq, s.rq], [10, 7, 2, 1], "pq gq sq rq");
  });
  it("total-reject: a reject step larger than the total step never makes GQ negative", () => {
    // Reject counter counted 3 in a PLC cycle in which the total counted only 1.
    const a = splitCounts("total-reject", { good: 0, reject: 3, total: 1, rework: 0 }, zero, 100);
    assert.deepEqual([a.pq, a.gq, a.sq], [1, 0, 1], "only what is consistent");
    assert.deepEqual(a.carry, { good: 0, reject: 2, rework: 0 }, "2 rejects carried");
    // The next sample: the total catches up.
    const b = splitCounts("total-reject", { good: 0, reject: 0, total: 5, rework: 0 }, a.carry, 100);
    assert.deepEqual([b.pq, b.gq, b.sq], [5, 3, 2], "carried rejects counted");
    assert.deepEqual(b.carry, zero, "nothing left");
  });
  it("drops and reports a carry beyond the plausibility limit", () => {
    const s = splitCounts("total-reject", { good: 0, reject: 50, total: 0, rework: 0 }, zero, 10);
    assert.equal(s.dropped, 50, "dropped");
    assert.deepEqual([s.pq, s.gq, s.sq], [0, 0, 0], "nothing counted");
    assert.deepEqual(s.carry, zero, "no carry");
  });
});

describe("lib/oee: counters in the reducer", () => {
  const t0 = berlin("06:00");
  const base = config({ idealCycleTimeS: 2, maxRateFactor: 3, rollingMs: 60 * MIN });

  it("counts across a UInt32 wrap and a reset, reports both, never a phantom count", () => {
    const r = run(base, null, [
      stateAt(change(t0, "run", "APT")),
      sampleAt(sample(t0, { good: U32 - 6, reject: 0 })),
      sampleAt(sample(t0 + MIN, { good: 5, reject: 0 })), // +11 over the wrap
      sampleAt(sample(t0 + 2 * MIN, { good: 3, reject: 0 })), // reset: 3 since the reset
      sampleAt(sample(t0 + 3 * MIN, { good: 30, reject: 1 })), // +27, +1
      tickAt(t0 + 4 * MIN),
      { now: t0 + 4 * MIN, input: { type: "report" } },
    ]);
    const rep = findReport(r.reports, "rolling", undefined, false);
    assert.deepEqual(rep.counts, { pq: 42, gq: 41, sq: 1, rq: 0 }, "11 + 3 + 27 good, 1 reject");
    assert.deepEqual(
      r.events.map((e) => e.event),
      ["counterWrap", "counterReset"],
      "events",
    );
  });

  it("does not count an implausible jump and re-baselines", () => {
    // 60 s at 2 s ideal: limit 3 x 30 + 10 = 100 parts.
    const r = run(base, null, [
      stateAt(change(t0, "run", "APT")),
      sampleAt(sample(t0, { good: 0, reject: 0 })),
      sampleAt(sample(t0 + MIN, { good: 101, reject: 0 })),
      sampleAt(sample(t0 + 2 * MIN, { good: 131, reject: 0 })),
      { now: t0 + 2 * MIN, input: { type: "report" } },
    ]);
    assert.equal(findReport(r.reports, "rolling", undefined, false).counts.gq, 30, "only the plausible 30");
    assert.deepEqual(
      r.events.map((e) => e.event),
      ["counterImplausible"],
      "reported",
    );
  });

  it("skips a Bad quality reading and keeps the baseline", () => {
    const r = run(base, null, [
      stateAt(change(t0, "run", "APT")),
      sampleAt(sample(t0, { good: 100, reject: 0 })),
      sampleAt(sample(t0 + MIN, { good: 0, reject: 0 }, { good: "BadCommunicationError" })),
      sampleAt(sample(t0 + 2 * MIN, { good: 120, reject: 0 })),
      { now: t0 + 2 * MIN, input: { type: "report" } },
    ]);
    assert.equal(
      findReport(r.reports, "rolling", undefined, false).counts.gq,
      20,
      "100 -> 120 (the Bad 0 ignored)",
    );
    assert.equal(r.events.length, 0, "no reset reported for a Bad value");
  });

  it("counts nothing before the first StateChange (time starts there)", () => {
    const r = run(base, null, [
      sampleAt(sample(t0, { good: 0, reject: 0 })),
      sampleAt(sample(t0 + MIN, { good: 20, reject: 0 })),
      stateAt(change(t0 + MIN, "run", "APT")),
      sampleAt(sample(t0 + 2 * MIN, { good: 45, reject: 0 })),
      { now: t0 + 2 * MIN, input: { type: "report" } },
    ]);
    const rep = findReport(r.reports, "rolling", undefined, false);
    assert.equal(rep.counts.gq, 25, "only the parts after the first state");
    assert.equal(rep.times.aptMs, MIN, "only the time after the first state");
  });

  it("total-reject mode with rework: rework parts are produced, not good", () => {
    const cfg = config({
      idealCycleTimeS: 2,
      rollingMs: 60 * MIN,
      counterMode: "total-reject",
      goodTag: "",
      totalTag: "total",
      rejectTag: "reject",
      reworkTag: "rework",
    });
    const r = run(cfg, null, [
      stateAt(change(t0, "run", "APT")),
      sampleAt(sample(t0, { total: 10, reject: 1, rework: 0 })),
      sampleAt(sample(t0 + MIN, { total: 40, reject: 3, rework: 2 })),
      { now: t0 + MIN, input: { type: "report" } },
    ]);
    const rep = findReport(r.reports, "rolling", undefined, false);
    assert.deepEqual(rep.counts, { pq: 30, gq: 26, sq: 2, rq: 2 }, "30 produced, 2 scrap, 2 rework, 26 good");
    near2(rep.quality, 26 / 30, "quality");
  });
});

describe("lib/oee: counter regressions (review of issue 4)", () => {
  const t0 = berlin("06:00");
  const H = 60 * MIN;
  const values = (ts: number, v: Record<string, number>) => sampleAt(sample(ts, v));

  it("a UInt16 counter reset to 0 during a 4 h stop counts 0 parts, not a wrap of +64436", () => {
    const cfg = config({
      rollingMs: 60 * MIN,
      rejectTag: "",
      counterWrap: "uint16",
      idealCycleTimeS: 0.5,
    });
    const r = run(cfg, null, [
      stateAt(change(t0, "run", "APT")),
      values(t0, { good: 1000 }),
      values(t0 + MIN, { good: 1100 }),
      stateAt(change(t0 + MIN, "down", "ADET", { stopStart: t0 + MIN })),
      values(t0 + 4 * H, { good: 0 }),
      { now: t0 + 4 * H, input: { type: "report" } },
    ]);
    assert.deepEqual(
      r.events.map((e) => [e.event, e.data?.counted]),
      [["counterReset", 0]],
      "a reset, counting the 0 parts since it",
    );
    // The rolling hour (3 h after the last part) holds no part.
    assert.equal(findReport(r.reports, "rolling", undefined, false).counts.pq, 0, "no phantom parts");
  });

  it("total-good: good and total in separate samples count every part good", () => {
    // 15 parts a second, all good; the good counter's notification comes 50 ms before the total's.
    const cfg = config({
      rollingMs: 60 * MIN,
      counterMode: "total-good",
      goodTag: "good",
      totalTag: "total",
      rejectTag: "",
      idealCycleTimeS: 0.05,
    });
    const inputs = [stateAt(change(t0, "run", "APT")), values(t0, { good: 0, total: 0 })];
    for (let i = 1; i <= 10; i++) {
      inputs.push(values(t0 + i * 1000, { good: 15 * i }));
      inputs.push(values(t0 + i * 1000 + 50, { total: 15 * i }));
    }
    inputs.push({ now: t0 + 11_000, input: { type: "report" } });
    const r = run(cfg, null, inputs);
    assert.deepEqual(
      findReport(r.reports, "rolling", undefined, false).counts,
      { pq: 150, gq: 150, sq: 0, rq: 0 },
      "10 x 15 parts, all good",
    );
    assert.deepEqual(r.events, [], "nothing dropped or implausible");
  });

  it("total-reject: a reject burst in a sample without the total waits for the total", () => {
    // 12 rejects seen at +60 s, the total (50) 100 ms later: 12 scrap, 38 good.
    const cfg = config({
      rollingMs: 60 * MIN,
      counterMode: "total-reject",
      goodTag: "",
      totalTag: "total",
      rejectTag: "reject",
      idealCycleTimeS: 1,
    });
    const r = run(cfg, null, [
      stateAt(change(t0, "run", "APT")),
      values(t0, { reject: 0, total: 0 }),
      values(t0 + MIN, { reject: 12 }),
      values(t0 + MIN + 100, { total: 50 }),
      { now: t0 + MIN + 100, input: { type: "report" } },
    ]);
    assert.deepEqual(
      findReport(r.reports, "rolling", undefined, false).counts,
      { pq: 50, gq: 38, sq: 12, rq: 0 },
      "12 scrap of 50",
    );
    assert.deepEqual(r.events, [], "no parts dropped");
  });

  it("a reading out of the counter type's range is reported once per streak, naming tag, value and range", () => {
    const cfg = config({ rollingMs: 60 * MIN, rejectTag: "", idealCycleTimeS: 1 });
    const big = 5_000_000_000; // a 64-bit lifetime counter read as UInt32
    const r = run(cfg, null, [
      stateAt(change(t0, "run", "APT")),
      values(t0, { good: big }),
      values(t0 + MIN, { good: big + 55 }),
      values(t0 + 2 * MIN, { good: 100 }), // in range again: the streak ends (a baseline)
      values(t0 + 3 * MIN, { good: big + 200 }), // a new streak
    ]);
    const implausible = r.events.filter((e) => e.event === "counterImplausible");
    assert.deepEqual(
      implausible.map((e) => e.ts),
      [t0, t0 + 3 * MIN],
      "once at the start of each streak",
    );
    for (const e of implausible) {
      assert.match(e.text, /good/, "names the tag");
      assert.match(e.text, /5000000\d+/, "names the value");
      assert.match(e.text, /uint32 range 0\.\.4294967295/, "names the range");
    }
  });
});

function near2(actual: number | null, expected: number, what: string): void {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${what}: ${actual} vs ${expected}`);
}
