/**
 * lib/state classifier reducer: stops as whole episodes (PackML sequences as the line simulator
 * runs them, STANDARDS.md 2.1), micro-stops, the flicker filter with backdated changes, bad and
 * stale inputs, reasons (tag, late, operator), re-coding past stops, bounded history. Fixed
 * clocks; expected values worked out by hand.
 */
import assert from "node:assert/strict";
import { OEE_DEFAULTS, initialState as oeeInitial, step as oeeStep } from "../../lib/oee/oee";
import { DEFAULT_CONFIG, initialState, step } from "../../lib/state/classifier";
import type { ClassifierConfig, ClassifierInput, ClassifierState } from "../../lib/state/types";
import type { MachineSample, StateChange, TagScalar, TagValue } from "../../lib/types";
import { validate } from "../../lib/validate";

const T0 = Date.UTC(2026, 0, 12, 6, 0, 0);
const S = 1000;
const ASSET = "plant-berlin/packaging/line-1/filler";

function sample(ts: number, values: Record<string, TagScalar | TagValue>): MachineSample {
  const out: Record<string, TagValue> = {};
  for (const [k, v] of Object.entries(values))
    out[k] = typeof v === "object" && v !== null ? v : { value: v, quality: "Good" };
  return { kind: "MachineSample", asset: ASSET, ts, values: out, stale: false };
}

function config(over: Partial<ClassifierConfig> = {}): ClassifierConfig {
  return { ...DEFAULT_CONFIG, minDurationMs: 0, reasonTag: "StopReason", ...over };
}

/** A classifier driven step by step, collecting everything it says. */
class Run {
  state: ClassifierState = initialState();
  changes: StateChange[] = [];
  warnings: string[] = [];
  nextDueMs: number | null = null;
  constructor(readonly cfg: ClassifierConfig) {}

  input(input: ClassifierInput, nowMs: number): StateChange[] {
    const r = step(this.cfg, this.state, input, nowMs);
    this.state = r.state;
    this.changes.push(...r.changes);
    this.warnings.push(...r.warnings);
    this.nextDueMs = r.nextDueMs;
    for (const c of r.changes) {
      const v = validate("StateChange", structuredClone(c));
      assert.ok(v.ok, `every change is a valid StateChange: ${JSON.stringify(v.ok ? "" : v.errors)}`);
    }
    return r.changes;
  }

  /** A sample at `ts` (the node's clock = ts). */
  at(ts: number, values: Record<string, TagScalar | TagValue>): StateChange[] {
    return this.input({ type: "sample", sample: sample(ts, values) }, ts);
  }

  /** StateCurrent samples at T0 + seconds. */
  packml(seq: Array<[number, number, string?]>): void {
    for (const [sec, code, reason] of seq)
      this.at(
        T0 + sec * S,
        reason === undefined ? { StateCurrent: code } : { StateCurrent: code, StopReason: reason },
      );
  }
}

const EXECUTE = 6;
const P = {
  Clearing: 1,
  Stopped: 2,
  Starting: 3,
  Idle: 4,
  Suspended: 5,
  Stopping: 7,
  Aborting: 8,
  Aborted: 9,
  Holding: 10,
  Held: 11,
  Unholding: 12,
  Suspending: 13,
  Unsuspending: 14,
  Resetting: 15,
  Completing: 16,
  Complete: 17,
};

describe("lib/state classifier: stops", () => {
  it("Execute -> Suspending -> Suspended -> Unsuspending -> Execute is one stop, a micro-stop when short", () => {
    const run = new Run(config());
    run.packml([
      [0, EXECUTE],
      [10, P.Suspending],
      [12, P.Suspended],
      [40, P.Unsuspending],
      [45, EXECUTE],
    ]);
    assert.deepEqual(
      run.changes.map((c) => [c.state, c.previousState, c.previousDurationMs, c.timeElement, c.stopStart]),
      [
        ["Execute", null, 0, "APT", undefined],
        ["Suspending", "Execute", 10 * S, "ADET", T0 + 10 * S],
        ["Suspended", "Suspending", 2 * S, "ADET", T0 + 10 * S],
        ["Unsuspending", "Suspended", 28 * S, "ADET", T0 + 10 * S],
        ["Execute", "Unsuspending", 5 * S, "APT", undefined],
      ],
    );
    const back = run.changes[4] as StateChange;
    assert.equal(back.stopDurationMs, 35 * S, "45 s - 10 s");
    assert.equal(back.microStop, true, "35 s < 120 s and only ADET");
    assert.equal(run.state.stops.length, 1, "one stop");
    assert.deepEqual(run.state.stops[0], {
      start: T0 + 10 * S,
      end: T0 + 45 * S,
      state: "Suspending",
      stateCode: 13,
      timeElement: "ADET",
      elements: ["ADET"],
    });
    for (const c of run.changes.slice(1, 4))
      assert.equal(c.stopDurationMs, undefined, "only on the way back");
  });

  it("the same sequence longer than the micro-stop threshold is not a micro-stop; the threshold is exclusive", () => {
    const long = new Run(config());
    long.packml([
      [0, EXECUTE],
      [10, P.Suspending],
      [12, P.Suspended],
      [200, P.Unsuspending],
      [205, EXECUTE],
    ]);
    assert.equal(long.changes[4]?.stopDurationMs, 195 * S);
    assert.equal(long.changes[4]?.microStop, false, "195 s >= 120 s");
    const exact = new Run(config({ microStopMs: 35 * S }));
    exact.packml([
      [0, EXECUTE],
      [10, P.Suspended],
      [45, EXECUTE],
    ]);
    assert.equal(exact.changes[2]?.microStop, false, "35 s is not shorter than 35 s");
  });

  it("Execute -> Aborting -> ... -> Starting -> Execute stays ADET through the inherit states, one stop", () => {
    const run = new Run(config());
    run.packml([
      [0, EXECUTE],
      [100, P.Aborting],
      [102, P.Aborted],
      [400, P.Clearing],
      [405, P.Stopped],
      [500, P.Resetting],
      [503, P.Idle],
      [600, P.Starting],
      [605, EXECUTE],
    ]);
    const stop = run.changes.slice(1, 8);
    assert.deepEqual(
      stop.map((c) => c.timeElement),
      ["ADET", "ADET", "ADET", "ADET", "ADET", "ADET", "ADET"],
    );
    assert.ok(
      stop.every((c) => c.stopStart === T0 + 100 * S),
      "every state of the stop carries its start",
    );
    const back = run.changes[8] as StateChange;
    assert.equal(back.stopDurationMs, 505 * S, "605 s - 100 s");
    assert.equal(back.microStop, false, "505 s");
    assert.equal(run.state.stops.length, 1);
  });

  it("Execute -> Completing -> ... -> Execute stays AUST (order change) and is never a micro-stop", () => {
    const run = new Run(config());
    run.packml([
      [0, EXECUTE],
      [100, P.Completing],
      [101, P.Complete],
      [110, P.Resetting],
      [111, P.Idle],
      [115, P.Starting],
      [116, EXECUTE],
    ]);
    assert.deepEqual(
      run.changes.slice(1, 6).map((c) => c.timeElement),
      ["AUST", "AUST", "AUST", "AUST", "AUST"],
    );
    assert.equal(run.changes[6]?.stopDurationMs, 16 * S);
    assert.equal(run.changes[6]?.microStop, false, "16 s, but setup is not a delay");
  });

  it("a hold inside a suspension is the same stop; elements are remembered", () => {
    const run = new Run(config({ timeElements: { Held: "ADOT" } }));
    run.packml([
      [0, EXECUTE],
      [10, P.Suspended],
      [20, P.Holding],
      [21, P.Held],
      [30, P.Unholding],
      [31, EXECUTE],
    ]);
    assert.deepEqual(run.state.stops[0]?.elements, ["ADET", "ADOT"]);
    assert.equal(run.changes.at(-1)?.microStop, true, "ADET and ADOT only, 21 s");
  });
});

describe("lib/state classifier: flicker filter", () => {
  it("a state shorter than minDurationMs is suppressed; an accepted one is dated when it began", () => {
    const run = new Run(config({ minDurationMs: 2 * S }));
    assert.equal(run.at(T0, { StateCurrent: EXECUTE }).length, 1, "the first state is taken at once");
    assert.equal(run.nextDueMs, null, "nothing waits");
    // Suspended for 1 s only: suppressed
    assert.deepEqual(run.at(T0 + 10 * S, { StateCurrent: P.Suspended }), []);
    assert.equal(run.nextDueMs, T0 + 12 * S, "the node must tick when the candidate has held 2 s");
    assert.deepEqual(run.at(T0 + 11 * S, { StateCurrent: EXECUTE }), [], "back before 2 s: dropped");
    assert.equal(run.nextDueMs, null, "the candidate is gone");
    assert.equal(run.state.candidate, null);
    assert.deepEqual(run.input({ type: "tick" }, T0 + 12 * S), [], "a late tick finds nothing");
    // Suspended again, held: accepted by the tick, dated at T0 + 20 s
    run.at(T0 + 20 * S, { StateCurrent: P.Suspended });
    assert.deepEqual(run.input({ type: "tick" }, T0 + 21_999), [], "1.999 s is not enough");
    const [accepted] = run.input({ type: "tick" }, T0 + 22 * S);
    assert.equal(accepted?.state, "Suspended");
    assert.equal(accepted?.ts, T0 + 20 * S, "dated when it began");
    assert.equal(accepted?.previousDurationMs, 20 * S, "Execute lasted from T0 to T0 + 20 s exactly");
    assert.equal(accepted?.stopStart, T0 + 20 * S, "the stop began then too");
    assert.equal(run.nextDueMs, null);
  });

  it("a sample of the same state after minDurationMs accepts the candidate without a tick", () => {
    const run = new Run(config({ minDurationMs: 2 * S }));
    run.at(T0, { StateCurrent: EXECUTE });
    run.at(T0 + 30 * S, { StateCurrent: P.Held });
    const [c] = run.at(T0 + 32_500, { StateCurrent: P.Held });
    assert.equal(c?.ts, T0 + 30 * S);
    assert.equal(c?.previousDurationMs, 30 * S);
  });

  it("a candidate replaced by another one after it held long enough is accepted first", () => {
    const run = new Run(config({ minDurationMs: 2 * S }));
    run.at(T0, { StateCurrent: EXECUTE });
    run.at(T0 + 10 * S, { StateCurrent: P.Suspending });
    // no tick came; the next state arrives 3 s later: Suspending held 3 s
    const out = run.at(T0 + 13 * S, { StateCurrent: P.Suspended });
    assert.deepEqual(
      out.map((c) => [c.state, c.ts]),
      [["Suspending", T0 + 10 * S]],
    );
    assert.equal(run.state.candidate?.state, "Suspended", "the new state waits");
    assert.equal(run.nextDueMs, T0 + 15 * S);
    // a different candidate before 2 s replaces the waiting one
    run.at(T0 + 14 * S, { StateCurrent: P.Holding });
    assert.equal(run.state.candidate?.state, "Holding");
    assert.equal(run.state.candidate?.since, T0 + 14 * S);
    const [held] = run.input({ type: "tick" }, T0 + 16 * S);
    assert.equal(held?.previousState, "Suspending");
    assert.equal(held?.previousDurationMs, 4 * S, "Suspending from 10 s to 14 s");
  });
});

describe("lib/state classifier: bad, stale and out-of-order inputs", () => {
  it("Bad or stale state tag: no change, one warning per streak", () => {
    const run = new Run(config());
    run.at(T0, { StateCurrent: EXECUTE });
    run.at(T0 + S, { StateCurrent: { value: 5, quality: "BadCommunicationError" } });
    run.at(T0 + 2 * S, { StateCurrent: { value: 5, quality: "BadCommunicationError" } });
    assert.equal(run.changes.length, 1, "no change from Bad values");
    assert.equal(run.warnings.length, 1, run.warnings.join(" | "));
    assert.match(run.warnings[0] ?? "", /"StateCurrent" has Bad quality/);
    // a sample without the tag: its last value was Bad, so still unknown, same streak
    run.at(T0 + 3 * S, { Speed: 10 });
    assert.equal(run.warnings.length, 1, "same streak");
    run.at(T0 + 4 * S, { StateCurrent: EXECUTE });
    assert.equal(run.changes.length, 1, "still Execute, nothing new");
    assert.equal(run.state.problem, null, "streak over");
    run.at(T0 + 5 * S, { StateCurrent: { value: 5, quality: "Good", stale: true } });
    assert.equal(run.warnings.length, 2, "a new streak warns again");
    assert.match(run.warnings[1] ?? "", /"StateCurrent" is stale/);
    assert.equal(run.state.current?.state, "Execute");
  });

  it("missing state tag: a warning before the first value, nothing once a value is known", () => {
    const run = new Run(config());
    run.at(T0, { Speed: 1 });
    assert.match(run.warnings[0] ?? "", /"StateCurrent" is missing/);
    run.at(T0 + S, { StateCurrent: P.Held });
    run.at(T0 + 2 * S, { Speed: 2 });
    assert.equal(run.warnings.length, 1);
    assert.deepEqual(
      run.changes.map((c) => [c.state, c.previousState, c.previousDurationMs]),
      [["Held", null, 0]],
    );
  });

  it("a Uncertain value is used", () => {
    const run = new Run(config());
    run.at(T0, { StateCurrent: { value: 6, quality: "UncertainLastUsableValue" } });
    assert.equal(run.changes[0]?.state, "Execute");
  });

  it("a sample dated more than 5 min after the clock is ignored with a warning (it would block every later one)", () => {
    const run = new Run(config());
    run.at(T0, { StateCurrent: EXECUTE });
    const before = run.state;
    const future = T0 + 10 * S + 5 * 60 * S + 1; // 1 ms beyond the 5 min allowed
    assert.deepEqual(
      run.input({ type: "sample", sample: sample(future, { StateCurrent: P.Held }) }, T0 + 10 * S),
      [],
    );
    assert.match(run.warnings[0] ?? "", /in the future/);
    assert.deepEqual(run.state, before, "state unchanged");
    // 5 min ahead is still taken (clock skew), and a later sample in time is not blocked.
    run.input({ type: "sample", sample: sample(T0 + 20 * S, { StateCurrent: P.Held }) }, T0 + 20 * S);
    assert.deepEqual(
      run.changes.map((c) => c.state),
      ["Execute", "Held"],
      "the next sample continues",
    );
  });

  it("a sample older than the last one is ignored with a warning", () => {
    const run = new Run(config());
    run.at(T0 + 10 * S, { StateCurrent: EXECUTE });
    const before = run.state;
    assert.deepEqual(run.at(T0 + 5 * S, { StateCurrent: P.Held }), []);
    assert.match(run.warnings[0] ?? "", /older than the last one/);
    assert.deepEqual(run.state, before, "state unchanged");
    assert.equal(run.at(T0 + 10 * S, { StateCurrent: P.Held }).length, 1, "the same time is in order");
  });

  it("step never changes the state it is given, and the state is plain JSON", () => {
    const run = new Run(config({ minDurationMs: 2 * S }));
    run.packml([
      [0, EXECUTE],
      [10, P.Held, "Jam"],
      [20, P.Held],
      [30, EXECUTE],
      [40, P.Suspended],
    ]);
    const frozen = structuredClone(run.state);
    const deepFreeze = (o: unknown): void => {
      if (typeof o === "object" && o !== null) {
        Object.freeze(o);
        for (const v of Object.values(o)) deepFreeze(v);
      }
    };
    deepFreeze(run.state);
    const inputs: ClassifierInput[] = [
      { type: "tick" },
      { type: "sample", sample: sample(T0 + 50 * S, { StateCurrent: EXECUTE, StopReason: "x" }) },
      { type: "reason", reason: { code: "op" } },
      { type: "recode", reason: { code: "late" }, start: T0 + 15 * S },
    ];
    for (const input of inputs) step(run.cfg, run.state, input, T0 + 60 * S);
    assert.deepEqual(run.state, frozen, "unchanged");
    assert.deepEqual(JSON.parse(JSON.stringify(run.state)), frozen, "JSON round trip");
  });
});

describe("lib/state classifier: reasons and re-coding", () => {
  it("the reason tag names the stop: its first non-empty reason stays the stop's; each state carries its own reason, else the stop's", () => {
    const run = new Run(config());
    run.packml([
      [0, EXECUTE, ""],
      [10, P.Holding, "Filling valve 7 blocked"],
      [11, P.Held, "Operator hold"],
      [60, P.Unholding, ""],
      [61, EXECUTE, ""],
    ]);
    assert.deepEqual(
      run.changes.map((c) => c.reason?.code),
      // Held has its own reason (the tag says "Operator hold"); Unholding has none (tag empty): the stop's.
      [undefined, "Filling valve 7 blocked", "Operator hold", "Filling valve 7 blocked", undefined],
    );
    assert.deepEqual(
      run.state.stops[0]?.reason,
      { code: "Filling valve 7 blocked" },
      "the stop's first reason",
    );
  });

  it("rules: each state of a stop carries its own rule's reason; the stop keeps its first for re-codes", () => {
    const M = 60 * S;
    const run = new Run(
      config({
        model: "simple",
        reasonTag: "",
        rules: [
          { state: "run", when: [{ tag: "mode", op: "==", value: "run" }] },
          { state: "setup", when: [{ tag: "mode", op: "==", value: "setup" }], reason: "changeover" },
          { state: "idle", when: [{ tag: "mode", op: "==", value: "idle" }], reason: "no-order" },
        ],
      }),
    );
    for (const [min, mode] of [
      [0, "run"],
      [10, "idle"],
      [25, "setup"],
      [50, "run"],
    ] as const)
      run.at(T0 + min * M, { mode });
    assert.deepEqual(
      run.changes.map((c) => [c.state, c.timeElement, c.reason?.code, c.stopStart]),
      [
        ["run", "APT", undefined, undefined],
        ["idle", "ADOT", "no-order", T0 + 10 * M],
        ["setup", "AUST", "changeover", T0 + 10 * M],
        ["run", "APT", undefined, undefined],
      ],
      "the setup state's own reason, in the same stop",
    );
    assert.deepEqual(run.state.stops[0]?.reason, { code: "no-order" }, "the stop's first reason");
    // A re-code of the stop names the stop's reason as the previous one.
    const [recode] = run.input(
      { type: "recode", reason: { code: "planning" }, start: T0 + 20 * M },
      T0 + 60 * M,
    );
    assert.deepEqual(
      recode?.recode,
      { previousReason: { code: "no-order" } },
      "previous = the stop's reason",
    );
    // Through the OEE reducer: each element of the stop is booked to its own state's reason.
    const cfg = {
      ...OEE_DEFAULTS,
      rollingMs: 3_600_000,
      interimMs: 0,
      graceMs: 0,
      goodTag: "g",
      rejectTag: "",
    };
    let oee = oeeInitial();
    for (const c of run.changes.slice(0, 4))
      oee = oeeStep(cfg, null, oee, { type: "state", change: c }, c.ts).state;
    const losses = oeeStep(cfg, null, oee, { type: "report" }, T0 + 60 * M).reports[0]?.losses;
    assert.deepEqual(
      losses,
      [
        { reason: "changeover", timeElement: "AUST", durationMs: 25 * M, events: 1 },
        { reason: "no-order", timeElement: "ADOT", durationMs: 15 * M, events: 1 },
      ],
      "setup 25 min changeover, idle 15 min no-order",
    );
  });

  it("a reason that arrives later during a stop re-codes it", () => {
    const run = new Run(config());
    run.packml([
      [0, EXECUTE, ""],
      [10, P.Held, ""],
    ]);
    const out = run.at(T0 + 15 * S, { StopReason: "Jam at infeed" });
    assert.deepEqual(out, [
      {
        kind: "StateChange",
        asset: ASSET,
        ts: T0 + 15 * S,
        model: "packml",
        state: "Held",
        stateCode: 11,
        previousState: "Held",
        previousDurationMs: 0,
        timeElement: "ADET",
        reason: { code: "Jam at infeed" },
        stopStart: T0 + 10 * S,
        recode: { previousReason: null },
      },
    ]);
    // the next state of the stop carries its own reason; the stop keeps its first; no second re-code
    const next = run.at(T0 + 20 * S, { StateCurrent: P.Unholding, StopReason: "Other" });
    assert.deepEqual(
      next.map((c) => [c.state, c.reason?.code, c.recode]),
      [["Unholding", "Other", undefined]],
    );
    assert.deepEqual(run.state.stops[0]?.reason, { code: "Jam at infeed" }, "the stop's reason");
  });

  it("a numeric reason code counts, 0 does not", () => {
    const run = new Run(config());
    run.packml([[0, EXECUTE]]);
    run.at(T0 + S, { StateCurrent: P.Held, StopReason: 0 });
    run.at(T0 + 2 * S, { StopReason: 204 });
    assert.deepEqual(
      run.changes.map((c) => [c.state, c.reason?.code, c.recode !== undefined]),
      [
        ["Execute", undefined, false],
        ["Held", undefined, false],
        ["Held", "204", true],
      ],
    );
  });

  it("operator reason: the current stop, else the last one, or the stop containing ts", () => {
    const run = new Run(config());
    run.packml([
      [0, EXECUTE],
      [10, P.Held, "Fault 17"],
      [20, EXECUTE, ""],
      [30, P.Suspended],
    ]);
    const [cur] = run.input({ type: "reason", reason: { code: "starved", text: "No bottles" } }, T0 + 35 * S);
    assert.equal(cur?.stopStart, T0 + 30 * S, "the current stop");
    assert.deepEqual(cur?.recode, { previousReason: null });
    assert.equal(cur?.ts, T0 + 35 * S, "dated when the re-code was made");
    assert.equal(cur?.previousDurationMs, 0);
    assert.equal(cur?.state, "Suspended");
    assert.deepEqual(run.state.current?.reason, { code: "starved", text: "No bottles" }, "current reason");
    const [past] = run.input({ type: "reason", reason: { code: "valve" }, ts: T0 + 15 * S }, T0 + 36 * S);
    assert.equal(past?.stopStart, T0 + 10 * S, "the stop containing ts");
    assert.equal(past?.state, "Held");
    assert.deepEqual(past?.recode, { previousReason: { code: "Fault 17" } });
    run.at(T0 + 40 * S, { StateCurrent: EXECUTE });
    const [last] = run.input({ type: "reason", reason: { code: "again" } }, T0 + 41 * S);
    assert.equal(last?.stopStart, T0 + 30 * S, "no current stop: the last one");
    assert.deepEqual(run.input({ type: "reason", reason: { code: "x" }, ts: T0 + 25 * S }, T0 + 42 * S), []);
    assert.match(run.warnings.at(-1) ?? "", /no remembered stop contains/);
  });

  it("with no stop at all an operator reason is a warning", () => {
    const run = new Run(config());
    run.packml([[0, EXECUTE]]);
    assert.deepEqual(run.input({ type: "reason", reason: { code: "x" } }, T0 + S), []);
    assert.match(run.warnings[0] ?? "", /no stop is remembered/);
  });

  // Three stops: [10, 20), [30, 40), [50, 60) s.
  function threeStops(cfg = config()): Run {
    const run = new Run(cfg);
    run.packml([
      [0, EXECUTE],
      [10, P.Held],
      [20, EXECUTE],
      [30, P.Suspended],
      [40, EXECUTE],
      [50, P.Stopped],
      [60, EXECUTE],
    ]);
    return run;
  }

  it("re-code of a past stop by a time inside it", () => {
    const run = threeStops();
    const out = run.input(
      { type: "recode", reason: { code: "changeover" }, start: T0 + 35 * S },
      T0 + 100 * S,
    );
    assert.deepEqual(
      out.map((c) => [c.stopStart, c.state, c.timeElement, c.reason?.code, c.ts]),
      [[T0 + 30 * S, "Suspended", "ADET", "changeover", T0 + 100 * S]],
    );
    assert.deepEqual(run.state.stops[1]?.reason, { code: "changeover" });
  });

  it("re-code of a period touches every stop overlapping [start, end); the later of two overlapping periods wins", () => {
    const run = threeStops();
    const a = run.input(
      { type: "recode", reason: { code: "A" }, start: T0 + 15 * S, end: T0 + 35 * S },
      T0 + 100 * S,
    );
    assert.deepEqual(
      a.map((c) => c.stopStart),
      [T0 + 10 * S, T0 + 30 * S],
    );
    const b = run.input(
      { type: "recode", reason: { code: "B" }, start: T0 + 30 * S, end: T0 + 51 * S },
      T0 + 101 * S,
    );
    assert.deepEqual(
      b.map((c) => [c.stopStart, c.recode?.previousReason?.code ?? null]),
      [
        [T0 + 30 * S, "A"],
        [T0 + 50 * S, null],
      ],
    );
    assert.deepEqual(
      run.state.stops.map((s) => s.reason?.code),
      ["A", "B", "B"],
    );
    // end is exclusive: a period ending where a stop starts does not touch it
    assert.deepEqual(
      run.input(
        { type: "recode", reason: { code: "C" }, start: T0 + 20 * S, end: T0 + 30 * S },
        T0 + 102 * S,
      ),
      [],
    );
    assert.match(run.warnings.at(-1) ?? "", /no remembered stop overlaps/);
  });

  it("a re-code with its end before its start is a warning", () => {
    const run = threeStops();
    assert.deepEqual(
      run.input(
        { type: "recode", reason: { code: "C" }, start: T0 + 30 * S, end: T0 + 20 * S },
        T0 + 102 * S,
      ),
      [],
    );
    assert.match(run.warnings.at(-1) ?? "", /before start/);
  });

  it("history is bounded by historySize: the oldest stops are forgotten", () => {
    const run = threeStops(config({ historySize: 2 }));
    assert.deepEqual(
      run.state.stops.map((s) => s.start),
      [T0 + 30 * S, T0 + 50 * S],
    );
    assert.deepEqual(
      run.input({ type: "recode", reason: { code: "old" }, start: T0 + 15 * S }, T0 + 100 * S),
      [],
    );
    assert.match(run.warnings.at(-1) ?? "", /no remembered stop contains/);
  });
});
