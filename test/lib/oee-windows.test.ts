/**
 * Report windows (shift, order, rolling), interim reports, the due time for the node's timer,
 * restart continuity through JSON, bounded memory and the configuration check.
 */
import assert from "node:assert/strict";
import { checkOeeConfig, initialState, OEE_DEFAULTS, step } from "../../lib/oee/oee";
import type { OeeConfig, OeeState } from "../../lib/oee/types";
import {
  at,
  berlin,
  change,
  config,
  earlyShiftPlan,
  findReport,
  MIN,
  prng,
  run,
  sample,
  sampleAt,
  standInPlan,
  stateAt,
  type Timed,
  tickAt,
  workedExampleInputs,
} from "./oee-support";

const t = berlin;

describe("lib/oee: order windows", () => {
  it("opens and closes order windows from the order tag, with the PRI from the tag", () => {
    const cfg = config({
      idealCycleTimeS: 99,
      orderTag: "order",
      idealCycleTimeTag: "cycle",
      productTag: "product",
    });
    const r = run(cfg, null, [
      stateAt(change(t("06:00"), "run", "APT")),
      sampleAt(sample(t("06:00"), { good: 0, reject: 0, order: "X1", cycle: 10, product: "P1" })),
      sampleAt(sample(t("06:30"), { good: 150, reject: 0, order: "X1", cycle: 10, product: "P1" })),
      // 07:00: the parts of this sample are X1's; then the tag switches to X2 with PRI 5 s.
      sampleAt(sample(t("07:00"), { good: 300, reject: 0, order: "X2", cycle: 5, product: "P2" })),
      sampleAt(sample(t("07:30"), { good: 600, reject: 10, order: "X2", cycle: 5, product: "P2" })),
      sampleAt(sample(t("08:00"), { good: 600, reject: 10, order: "", cycle: 5, product: "P2" })),
      tickAt(t("08:30")),
    ]);
    const x1 = findReport(r.reports, "order", "X1", true);
    assert.equal(x1.window.start, t("06:00"), "X1 start");
    assert.equal(x1.window.end, t("07:00"), "X1 end at the tag change");
    assert.equal(x1.counts.gq, 300, "X1 parts");
    assert.equal(x1.idealCycleTimeS, 10, "X1 PRI from the tag");
    assert.equal(x1.performance, (300 * 10) / 3600, "X1 effectiveness 3000 s / 3600 s");
    assert.equal(x1.productId, "P1", "X1 product");
    const x2 = findReport(r.reports, "order", "X2", true);
    assert.equal(x2.window.start, t("07:00"), "X2 start");
    assert.equal(x2.window.end, t("08:00"), "X2 end when the tag is empty");
    assert.deepEqual(x2.counts, { pq: 310, gq: 300, sq: 10, rq: 0 }, "X2 counts");
    assert.equal(x2.idealCycleTimeS, 5, "X2 PRI");
    assert.deepEqual(
      r.events.map((e) => `${e.event} ${e.data?.orderId}`),
      ["orderStart X1", "orderEnd X1", "orderStart X2", "orderEnd X2"],
      "order events",
    );
    assert.equal(r.state.order, null, "no order open after the empty tag");
  });

  it("order input PRI wins over the tag; back to the tag when the order ends", () => {
    const cfg = config({ idealCycleTimeS: 99, idealCycleTimeTag: "cycle" });
    const r = run(cfg, null, [
      stateAt(change(t("06:00"), "run", "APT")),
      sampleAt(sample(t("06:00"), { good: 0, reject: 0, cycle: 10 })),
      at(t("06:00"), { type: "order", action: "start", orderId: "A", ts: t("06:00"), idealCycleTimeS: 4 }),
      sampleAt(sample(t("06:10"), { good: 100, reject: 0, cycle: 10 })),
      at(t("06:10"), { type: "order", action: "end", orderId: "A", ts: t("06:10") }),
      sampleAt(sample(t("06:20"), { good: 150, reject: 0, cycle: 10 })),
    ]);
    assert.equal(findReport(r.reports, "order", "A", true).idealCycleTimeS, 4, "the order's PRI");
    assert.equal(r.state.idealSource, "tag", "the tag after the order");
    assert.equal(r.state.idealCycleTimeS, 10, "tag value");
  });

  it("ignores the end of an order that is not the current one", () => {
    const r = run(config(), null, [
      stateAt(change(t("06:00"), "run", "APT")),
      at(t("06:00"), { type: "order", action: "start", orderId: "A", ts: t("06:00") }),
      at(t("06:10"), { type: "order", action: "end", orderId: "B", ts: t("06:10") }),
    ]);
    assert.equal(r.state.order?.id, "A", "A still open");
    assert.equal(r.reports.length, 0, "no report");
  });

  it("an order window opened before the first StateChange starts at it: its elements fill its length", () => {
    // Time is attributed from the first StateChange on (docs/oee.md, Time model); without a
    // calendar every instant is planned, so POT = the window's length.
    const r = run(config(), null, [
      at(t("05:50"), { type: "order", action: "start", orderId: "early", ts: t("05:50") }),
      stateAt(change(t("06:00"), "run", "APT")),
      stateAt(change(t("06:40"), "down", "ADET", { stopStart: t("06:40") })),
      at(t("07:00"), { type: "order", action: "end", orderId: "early", ts: t("07:00") }),
    ]);
    const rep = findReport(r.reports, "order", "early", true);
    assert.deepEqual([rep.window.start, rep.window.end], [t("06:00"), t("07:00")], "from the first state");
    assert.equal(rep.times.allMs, 60 * MIN, "60 min long");
    assert.equal(rep.times.aptMs, 40 * MIN, "APT 06:00-06:40");
    assert.equal(rep.times.adetMs, 20 * MIN, "ADET 06:40-07:00");
    assert.equal(rep.times.potMs, rep.times.allMs, "every ms of it in one element");
  });

  it("an order window that also ends before the first StateChange covers no time", () => {
    const r = run(config(), null, [
      at(t("05:50"), { type: "order", action: "start", orderId: "gone", ts: t("05:50") }),
      at(t("05:55"), { type: "order", action: "end", orderId: "gone", ts: t("05:55") }),
      stateAt(change(t("06:00"), "run", "APT")),
    ]);
    const rep = findReport(r.reports, "order", "gone", true);
    assert.equal(rep.window.end, rep.window.start, "start = end");
    assert.equal(rep.times.allMs, 0, "no time");
    assert.equal(rep.times.potMs, 0, "no element time");
  });

  it("parts of a sample dated after an order ended go to the next order, though both waited for time", () => {
    // grace 5 s: the samples at +60 s and +62 s wait until time reaches them; order A ends at +61 s.
    const t0 = t("06:00");
    const cfg = config({ graceMs: 5000, rejectTag: "", idealCycleTimeS: 0.1 });
    const r = run(cfg, null, [
      at(t0, { type: "order", action: "start", orderId: "A", ts: t0 }),
      stateAt(change(t0, "run", "APT")),
      sampleAt(sample(t0, { good: 0 })),
      sampleAt(sample(t0 + 60_000, { good: 500 })), // made during A
      sampleAt(sample(t0 + 62_000, { good: 520 })), // made after A ended
      at(t0 + 62_500, { type: "order", action: "end", orderId: "A", ts: t0 + 61_000 }),
      at(t0 + 62_600, { type: "order", action: "start", orderId: "B", ts: t0 + 61_000 }),
      at(t0 + 120_000, { type: "report" }),
    ]);
    assert.equal(findReport(r.reports, "order", "A", true).counts.gq, 500, "A: the 500 made before its end");
    assert.equal(findReport(r.reports, "order", "B", false).counts.gq, 20, "B: the 20 made after");
  });
});

describe("lib/oee: rolling window", () => {
  const cfg = config({ idealCycleTimeS: 30, rollingMs: 60 * MIN });

  function counting(until: number): Timed[] {
    const inputs: Timed[] = [stateAt(change(t("06:00"), "run", "APT"))];
    for (let m = t("06:00") + 30_000; m < until; m += MIN)
      inputs.push(at(m, { type: "counts", ts: m, good: 1, reject: 0 }));
    return inputs;
  }

  it("covers the buckets overlapping [now - 60 min, now] from their true start", () => {
    const r = run(cfg, null, [
      ...counting(t("08:00")),
      tickAt(t("08:00")),
      at(t("08:00"), { type: "report" }),
    ]);
    const rep = findReport(r.reports, "rolling", "60 min", false);
    assert.equal(rep.window.start, t("07:00"), "start: the oldest bucket still overlapping");
    assert.equal(rep.window.end, t("08:00"), "end: now");
    assert.equal(rep.times.aptMs, 60 * MIN, "60 min of APT");
    assert.equal(rep.counts.gq, 60, "the 60 parts 07:00:30..07:59:30");
    const later = run(cfg, null, [at(t("08:00:20"), { type: "report" })], r.state);
    const rep2 = findReport(later.reports, "rolling", "60 min", false);
    assert.equal(rep2.window.start, t("07:00"), "07:00 bucket still overlaps 07:00:20");
    assert.equal(rep2.times.allMs, 60 * MIN + 20_000, "true length 60 min 20 s");
  });

  it("keeps at most 61 buckets of 60 s over a long run", () => {
    const r = run(cfg, null, [...counting(t("16:00")), tickAt(t("16:00"))]);
    assert.ok(r.state.rolling.length <= 61, `buckets ${r.state.rolling.length} <= 61`);
    const report = run(cfg, null, [at(t("16:00"), { type: "report" })], r.state);
    assert.equal(findReport(report.reports, "rolling", undefined, false).counts.gq, 60, "last hour only");
  });

  it("buckets are at least 1 s", () => {
    const small = config({ rollingMs: 30_000 });
    const r = run(small, null, [stateAt(change(t("06:00"), "run", "APT")), tickAt(t("06:10"))]);
    assert.ok(
      r.state.rolling.length <= 31,
      `30 buckets of 1 s + the current one, got ${r.state.rolling.length}`,
    );
    const next = step(small, null, r.state, { type: "tick" }, t("06:10"));
    assert.equal(next.nextDueMs, t("06:10") + 1000, "the next bucket boundary");
  });
});

describe("lib/oee: shift windows", () => {
  const plan = standInPlan([
    { id: "d Early", name: "Early", start: t("06:00"), end: t("14:00") },
    { id: "d Late", name: "Late", start: t("14:00"), end: t("22:00") },
  ]);
  const cfg = config({ idealCycleTimeS: 10, graceMs: 30_000, interimMs: 0 });

  it("final report when the watermark passes the shift end; counts go to the shift of their time", () => {
    const first = run(cfg, plan, [
      stateAt(change(t("06:00"), "run", "APT")),
      tickAt(t("13:59")),
      at(t("14:00:10"), { type: "counts", ts: t("13:59:50"), good: 7, reject: 0 }),
      at(t("14:00:10"), { type: "counts", ts: t("14:00:05"), good: 3, reject: 0 }),
    ]);
    assert.equal(first.reports.length, 0, "no report before the watermark passes 14:00");
    assert.equal(first.nextDue[first.nextDue.length - 1], t("14:00:30"), "due at shift end + grace");
    const second = run(
      cfg,
      plan,
      [tickAt(t("14:00:30")), tickAt(t("14:05")), at(t("14:05"), { type: "report" })],
      first.state,
    );
    const early = findReport(second.reports, "shift", "Early", true);
    assert.equal(early.ts, t("14:00:30"), "made when the watermark passed the end");
    assert.equal(early.window.end, t("14:00"), "ends at the shift end");
    assert.equal(early.times.aptMs, 480 * MIN, "8 h");
    assert.equal(early.counts.gq, 7, "the count dated 13:59:50");
    const late = findReport(second.reports, "shift", "Late", false);
    assert.equal(late.window.start, t("14:00"), "Late opens at 14:00");
    assert.equal(late.counts.gq, 3, "the count dated 14:00:05 is the Late shift's");
    assert.equal(late.times.aptMs, 4 * MIN + 30_000, "14:00-14:04:30 (watermark)");
    assert.deepEqual(
      [...first.events, ...second.events].map((e) => e.event),
      ["shiftStart", "shiftEnd", "shiftStart"],
      "shift events",
    );
  });

  it("a late count of a closed shift goes to the current one (clamped)", () => {
    const r = run(cfg, plan, [
      stateAt(change(t("06:00"), "run", "APT")),
      tickAt(t("15:00")),
      at(t("15:00"), { type: "counts", ts: t("13:00"), good: 5, reject: 0 }),
      at(t("15:00"), { type: "report" }),
    ]);
    assert.equal(findReport(r.reports, "shift", "Late", false).counts.gq, 5, "clamped into Late");
    assert.equal(findReport(r.reports, "shift", "Early", true).counts.gq, 0, "Early final report unchanged");
  });

  it("interim reports every interimMs for each open window", () => {
    const c = config({ interimMs: 10 * MIN, rollingMs: 30 * MIN });
    const inputs: Timed[] = [stateAt(change(t("06:00"), "run", "APT"))];
    for (let m = t("06:00"); m <= t("07:00"); m += MIN) inputs.push(tickAt(m));
    const r = run(c, earlyShiftPlan(), inputs);
    const shift = r.reports.filter((x) => x.window.type === "shift");
    const rolling = r.reports.filter((x) => x.window.type === "rolling");
    assert.deepEqual(
      shift.map((x) => (x.ts - t("06:00")) / MIN),
      [10, 20, 30, 40, 50, 60],
      "every 10 min",
    );
    assert.equal(rolling.length, 6, "rolling reports too");
    assert.ok(
      shift.every((x) => !x.window.final),
      "interim",
    );
  });

  it("due times: the next interim, the shift end + grace, the next bucket boundary", () => {
    const c = config({ interimMs: 0, graceMs: 5000, rollingMs: 0 });
    const r = run(c, earlyShiftPlan(), [stateAt(change(t("09:00"), "run", "APT")), tickAt(t("09:30"))]);
    assert.equal(r.nextDue[1], t("10:00:05"), "the break starts at 10:00 (+ grace)");
    const none = run(config({ interimMs: 0 }), null, [stateAt(change(t("09:00"), "run", "APT"))]);
    assert.equal(none.nextDue[0], null, "nothing due without plan, rolling or interim");
  });
});

describe("lib/oee: restart", () => {
  const roundTrip = (s: OeeState): OeeState => JSON.parse(JSON.stringify(s)) as OeeState;

  function continuity(cfg: OeeConfig, plan: Parameters<typeof run>[1], inputs: Timed[], what: string): void {
    const whole = run(cfg, plan, inputs);
    for (let cut = 1; cut < inputs.length; cut++) {
      const a = run(cfg, plan, inputs.slice(0, cut));
      const b = run(cfg, plan, inputs.slice(cut), roundTrip(a.state));
      assert.deepEqual(
        [...a.reports, ...b.reports],
        whole.reports,
        `${what}: same reports when restarted after input ${cut}`,
      );
      assert.deepEqual(
        [...a.events, ...b.events],
        whole.events,
        `${what}: same events when restarted after input ${cut}`,
      );
      assert.deepEqual(b.state, whole.state, `${what}: same state after input ${cut}`);
    }
  }

  it("continues the worked example shift with identical figures after a JSON round trip", () => {
    const cfg = config({
      idealCycleTimeS: 25,
      startupMs: 10 * MIN,
      rollingMs: 30 * MIN,
      interimMs: 15 * MIN,
    });
    continuity(cfg, earlyShiftPlan(), workedExampleInputs(), "worked example");
  });

  it("continues with grace, pending counts and late changes", () => {
    const rnd = prng(42);
    const cfg = config({
      idealCycleTimeS: 3,
      graceMs: 20_000,
      rollingMs: 10 * MIN,
      interimMs: 5 * MIN,
      maxStops: 3,
    });
    const inputs: Timed[] = [stateAt(change(t("09:50"), "run", "APT"))];
    let now = t("09:50");
    let stop: number | undefined;
    for (let i = 0; i < 80; i++) {
      now += Math.floor(rnd() * 40_000) + 1000;
      const ts = now - Math.floor(rnd() * 40_000);
      const p = rnd();
      if (p < 0.4) inputs.push(at(now, { type: "counts", ts, good: Math.floor(rnd() * 5), reject: 1 }));
      else if (p < 0.7) {
        if (stop === undefined) {
          stop = ts;
          inputs.push(
            at(now, { type: "state", change: change(ts, "down", "ADET", { stopStart: ts, reason: "r" }) }),
          );
        } else {
          inputs.push(
            at(now, { type: "state", change: change(ts, "run", "APT", { microStop: rnd() < 0.5 }) }),
          );
          stop = undefined;
        }
      } else inputs.push(tickAt(now));
    }
    continuity(cfg, earlyShiftPlan(), inputs, "random");
  });
});

describe("lib/oee: bounded memory", () => {
  it("state stays flat over many stops (maxStops, rolling buckets, forgotten stops)", () => {
    const cfg = config({ idealCycleTimeS: 2, rollingMs: 10 * MIN, interimMs: 0, maxStops: 20 });
    let state = initialState();
    let now = t("00:00");
    const sizes: number[] = [];
    state = step(cfg, null, state, { type: "order", action: "start", orderId: "long", ts: now }, now).state;
    for (let i = 0; i < 20_000; i++) {
      now += 5000;
      const c =
        i % 2 === 0
          ? change(now, "down", "ADET", { stopStart: now, reason: `r${i % 7}` })
          : change(now, "run", "APT", { microStop: i % 3 === 0 });
      state = step(cfg, null, state, { type: "state", change: c }, now).state;
      if (i === 4999 || i === 19_999) sizes.push(JSON.stringify(state).length);
    }
    assert.ok(sizes[1]! < sizes[0]! * 1.2, `state size flat: ${sizes.join(" -> ")}`);
    assert.ok(
      Object.keys(state.order!.acc.stopMs).length <= 21,
      "order window keeps maxStops stops (+ current)",
    );
    assert.ok(Object.keys(state.stops).length <= 20 + 11 * 20 + 1, "forgotten stops dropped");
    // Folded stops still count: 10,000 stops of 5 s in the order window.
    const rep = findReport(step(cfg, null, state, { type: "report" }, now).reports, "order", "long", false);
    assert.equal(rep.times.adetMs, 10_000 * 5000, "all stop time");
    assert.equal(
      rep.losses.reduce((s, l) => s + (l.events ?? 0), 0),
      10_000,
      "every stop counted once",
    );
    assert.equal(
      rep.losses.reduce((s, l) => s + l.durationMs, 0),
      10_000 * 5000,
      "losses cover the stops",
    );
  });
});

describe("lib/oee: checkOeeConfig", () => {
  it("accepts the defaults", () => {
    assert.deepEqual(checkOeeConfig(OEE_DEFAULTS), [], "no errors");
  });
  const rows: Array<{ over: Partial<Record<keyof OeeConfig, unknown>>; field: string }> = [
    { over: { rollingMs: -1 }, field: "rollingMs" },
    { over: { rollingMs: 40 * 86_400_000 }, field: "rollingMs" },
    { over: { interimMs: 1.5 }, field: "interimMs" },
    { over: { graceMs: "5s" }, field: "graceMs" },
    { over: { allocation: "nakajima" }, field: "allocation" },
    { over: { counterMode: "good" }, field: "counterMode" },
    { over: { counterWrap: "uint64" }, field: "counterWrap" },
    { over: { idealCycleTimeS: 0 }, field: "idealCycleTimeS" },
    { over: { maxRateFactor: 0.5 }, field: "maxRateFactor" },
    { over: { maxStops: 0 }, field: "maxStops" },
    { over: { shiftWindow: "yes" }, field: "shiftWindow" },
    { over: { goodTag: 5 }, field: "goodTag" },
    { over: { counterMode: "total-reject", rejectTag: "rej", totalTag: "" }, field: "totalTag" },
    { over: { counterMode: "total-reject", totalTag: "t", goodTag: "g" }, field: "goodTag" },
    { over: { counterMode: "good-reject", totalTag: "t" }, field: "totalTag" },
    { over: { goodTag: "c", rejectTag: "c" }, field: "rejectTag" },
  ];
  for (const r of rows) {
    it(`names ${r.field} for ${JSON.stringify(r.over)}`, () => {
      const errors = checkOeeConfig({ ...OEE_DEFAULTS, ...r.over });
      assert.ok(
        errors.some((e) => e.field === r.field),
        `errors name ${r.field}: ${JSON.stringify(errors)}`,
      );
    });
  }
});
