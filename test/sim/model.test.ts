import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  createLine,
  createRng,
  type Line,
  type LineEvent,
  machineNames,
  normal,
  PACKML_STATE,
  type PackMLState,
  snapshotLine,
  stepLine,
  UINT32_MODULUS,
  UNIT_MODE,
  VIBRATION_ZONE_D_MM_S,
} from "../../sim/model";

interface Transition {
  from: string;
  cmd: string;
  to: string;
}
interface PackmlFlat {
  state_numbers: Record<string, number>;
  transitions: Transition[];
}

const REFERENCE = path.resolve(__dirname, "../../../shared/reference/state-models.json");
const packml = (JSON.parse(fs.readFileSync(REFERENCE, "utf8")) as { packml_flat: PackmlFlat }).packml_flat;

function stateNumber(name: string): number {
  const n = packml.state_numbers[name];
  if (n === undefined) throw new Error(`unknown PackML state ${name}`);
  return n;
}

const ALLOWED = new Set(packml.transitions.map((t) => `${stateNumber(t.from)}->${stateNumber(t.to)}`));
const HOUR = 3_600_000;

/** Runs `line` for `durationMs` in steps of `dtMs`, calling `each` after every step. */
function run(
  line: Line,
  durationMs: number,
  dtMs: number,
  each?: (events: LineEvent[]) => void,
): LineEvent[] {
  const all: LineEvent[] = [];
  const steps = Math.round(durationMs / dtMs);
  for (let i = 0; i < steps; i++) {
    const events = stepLine(line, dtMs);
    for (const e of events) all.push(e);
    each?.(events);
  }
  return all;
}

function stateEvents(events: LineEvent[]): Array<Extract<LineEvent, { kind: "state" }>> {
  return events.filter((e): e is Extract<LineEvent, { kind: "state" }> => e.kind === "state");
}

function partEvents(events: LineEvent[]): Array<Extract<LineEvent, { kind: "part" }>> {
  return events.filter((e): e is Extract<LineEvent, { kind: "part" }> => e.kind === "part");
}

/** Durations of the stops: from leaving Execute to entering Execute again, with the first stop state. */
function stops(events: LineEvent[], machine: number): Array<{ durationMs: number; first: PackMLState }> {
  const out: Array<{ durationMs: number; first: PackMLState }> = [];
  let left: { timeMs: number; first: PackMLState } | undefined;
  for (const e of stateEvents(events)) {
    if (e.machine !== machine) continue;
    if (e.from === PACKML_STATE.Execute) left = { timeMs: e.timeMs, first: e.to };
    if (e.to === PACKML_STATE.Execute && left) {
      out.push({ durationMs: e.timeMs - left.timeMs, first: left.first });
      left = undefined;
    }
  }
  return out;
}

describe("sim/model: packaging line model", () => {
  describe("random numbers", () => {
    it("normal variates have mean 0 and standard deviation 1", () => {
      const r = createRng(42);
      const n = 20_000;
      let sum = 0;
      let sumSq = 0;
      for (let i = 0; i < n; i++) {
        const z = normal(r);
        sum += z;
        sumSq += z * z;
      }
      const mean = sum / n;
      const sd = Math.sqrt(sumSq / n - mean * mean);
      assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
      assert.ok(Math.abs(sd - 1) < 0.03, `sd ${sd}`);
    });

    it("streams of the same seed differ", () => {
      const a = createRng(1, 0);
      const b = createRng(1, 1);
      assert.notDeepEqual(a, b);
    });
  });

  describe("options", () => {
    it("names the machines Filler, Capper, Labeler, then Machine4, Machine5, ...", () => {
      assert.deepEqual(machineNames(5), ["Filler", "Capper", "Labeler", "Machine4", "Machine5"]);
      assert.deepEqual(
        createLine({ machines: 4 }).machines.map((m) => m.name),
        ["Filler", "Capper", "Labeler", "Machine4"],
      );
    });

    it("rejects invalid options", () => {
      assert.throws(() => createLine({ machines: 0 }), RangeError);
      assert.throws(() => createLine({ seed: 1.5 }), RangeError);
      assert.throws(() => createLine({ lifeHours: 0 }), RangeError);
      assert.throws(() => createLine({ counterStart: UINT32_MODULUS }), RangeError);
      assert.throws(() => createLine({ counterStart: -1 }), RangeError);
      assert.throws(() => stepLine(createLine(), -1), RangeError);
    });

    it("uses the PackML state numbers of state-models.json", () => {
      assert.deepEqual({ ...PACKML_STATE }, packml.state_numbers);
    });
  });

  describe("determinism", () => {
    const pattern = [100, 250, 1000, 37, 5000];
    function trajectory(seed: number): { events: LineEvent[]; snapshots: string[] } {
      const line = createLine({ seed, machines: 4, counterStart: 17 });
      const events: LineEvent[] = [];
      const snapshots: string[] = [];
      for (let i = 0; i < 3000; i++) {
        for (const e of stepLine(line, pattern[i % pattern.length] ?? 100)) events.push(e);
        snapshots.push(JSON.stringify(snapshotLine(line)));
      }
      return { events, snapshots };
    }

    it("gives an identical trajectory for the same seed and steps", () => {
      const a = trajectory(7);
      const b = trajectory(7);
      assert.ok(a.events.length > 1000, "too few events");
      assert.equal(a.events.length, b.events.length);
      a.events.forEach((e, i) => {
        assert.equal(JSON.stringify(e), JSON.stringify(b.events[i]), `event ${i}`);
      });
      assert.equal(a.snapshots.length, b.snapshots.length);
      a.snapshots.forEach((snap, i) => {
        assert.equal(snap, b.snapshots[i], `step ${i}`);
      });
    });

    it("gives a different trajectory for a different seed", () => {
      const a = trajectory(7);
      const b = trajectory(8);
      assert.ok(
        a.snapshots.some((snap, i) => snap !== b.snapshots[i]),
        "same snapshots for different seeds",
      );
      const values = (t: { events: LineEvent[] }) => partEvents(t.events).map((e) => e.value);
      assert.notDeepEqual(values(a).slice(0, 50), values(b).slice(0, 50));
    });

    it("gives the same states and parts whatever the step size", () => {
      const fine = createLine({ seed: 3 });
      const coarse = createLine({ seed: 3 });
      const a = run(fine, 6 * HOUR, 250);
      const b = run(coarse, 6 * HOUR, 10_000);
      const key = (e: LineEvent) =>
        e.kind === "state"
          ? `${e.machine} ${e.from}->${e.to}`
          : e.kind === "part"
            ? `${e.machine} #${e.sequence} ${e.value} ${e.good}`
            : `${e.machine} ${e.kind}`;
      // both runs order events per machine; compare machine by machine
      for (let m = 0; m < 3; m++) {
        const ea = a.filter((e) => e.machine === m);
        const eb = b.filter((e) => e.machine === m);
        assert.ok(ea.length > 1000, "too few events");
        assert.equal(ea.length, eb.length);
        ea.forEach((e, i) => {
          const f = eb[i];
          assert.ok(f, `event ${i}`);
          assert.equal(key(e), key(f), `event ${i}`);
          assert.ok(Math.abs(e.timeMs - f.timeMs) < 1e-3, `event ${i} time ${e.timeMs} vs ${f.timeMs}`);
        });
      }
    });
  });

  describe("PackML states over a long run", () => {
    const line = createLine({ seed: 11, lifeHours: 6 });
    const modeViolations: string[] = [];
    const flagViolations: string[] = [];
    let events: LineEvent[] = [];
    let transitions: Array<Extract<LineEvent, { kind: "state" }>> = [];
    before(() => {
      events = run(line, 72 * HOUR, 1000, check);
      transitions = stateEvents(events);
    });
    function check(): void {
      for (const m of line.machines) {
        const o = m.out;
        const s = o.stateCurrent;
        if (
          o.unitModeCurrent === UNIT_MODE.Maintenance &&
          s !== PACKML_STATE.Aborted &&
          s !== PACKML_STATE.Clearing
        ) {
          modeViolations.push(`${m.name} maintenance in state ${s}`);
        }
        const faulted =
          s === PACKML_STATE.Holding ||
          s === PACKML_STATE.Held ||
          s === PACKML_STATE.Aborting ||
          s === PACKML_STATE.Aborted;
        if (faulted !== o.fault) flagViolations.push(`${m.name} fault=${o.fault} in state ${s}`);
        if (o.fault !== (o.alarmText !== ""))
          flagViolations.push(`${m.name} fault=${o.fault} alarm="${o.alarmText}"`);
        if ((s === PACKML_STATE.Execute) !== o.speed > 0)
          flagViolations.push(`${m.name} speed ${o.speed} in ${s}`);
        if ((s === PACKML_STATE.Execute) !== (o.stopReason === "")) {
          flagViolations.push(`${m.name} stop reason "${o.stopReason}" in ${s}`);
        }
      }
    }

    it("only makes transitions allowed by the flattened PackML state machine", () => {
      assert.ok(transitions.length > 500, `${transitions.length} transitions`);
      const bad = transitions.filter((t) => !ALLOWED.has(`${t.from}->${t.to}`));
      assert.deepEqual(bad.slice(0, 5), []);
    });

    it("chains transitions (each starts in the state the previous one ended in)", () => {
      const current = new Map<number, number>(line.machines.map((m) => [m.index, PACKML_STATE.Execute]));
      for (const t of transitions) {
        assert.equal(t.from, current.get(t.machine));
        current.set(t.machine, t.to);
      }
      for (const m of line.machines) assert.equal(m.out.stateCurrent, current.get(m.index));
    });

    it("visits suspended, held, aborted and complete (micro-stops, faults, failures, order changes)", () => {
      const visited = new Set<number>(transitions.map((t) => t.to));
      for (const s of [
        "Suspending",
        "Suspended",
        "Unsuspending",
        "Holding",
        "Held",
        "Unholding",
        "Aborting",
        "Aborted",
        "Clearing",
        "Stopped",
        "Resetting",
        "Idle",
        "Starting",
        "Completing",
        "Complete",
        "Execute",
      ]) {
        assert.ok(visited.has(stateNumber(s)), `state ${s} never visited`);
      }
    });

    it("is in maintenance mode only while aborted or clearing after a failure", () => {
      assert.deepEqual(modeViolations.slice(0, 5), []);
      assert.ok(
        events.some((e) => e.kind === "failure"),
        "no failure in the run",
      );
    });

    it("keeps Fault, AlarmText, Speed and StopReason consistent with the state", () => {
      assert.deepEqual(flagViolations.slice(0, 5), []);
    });

    it("has stops shorter than one minute (micro-stops) and longer ones (faults)", () => {
      for (const m of line.machines) {
        const all = stops(events, m.index);
        const micro = all.filter((s) => s.first === PACKML_STATE.Suspending);
        const held = all.filter((s) => s.first === PACKML_STATE.Holding);
        assert.ok(
          micro.length > 10 && held.length > 3,
          `${m.name}: ${micro.length} micro, ${held.length} held`,
        );
        assert.ok(
          micro.every((s) => s.durationMs < 60_000),
          `${m.name}: micro-stop of ${Math.max(...micro.map((s) => s.durationMs))} ms`,
        );
        assert.ok(
          held.every((s) => s.durationMs > 60_000),
          `${m.name}: hold of ${Math.min(...held.map((s) => s.durationMs))} ms`,
        );
        assert.ok(
          all.some((s) => s.durationMs < 60_000),
          `${m.name}: no stop under 60 s`,
        );
        assert.ok(
          all.some((s) => s.durationMs >= 60_000),
          `${m.name}: no stop of 60 s or more`,
        );
      }
    });

    it("runs slower than ideal, with ideal cycle times of 1 to 3 s", () => {
      for (const m of line.machines) {
        assert.ok(
          m.out.idealCycleTimeS >= 1 && m.out.idealCycleTimeS <= 3,
          `${m.name}: ideal cycle ${m.out.idealCycleTimeS}`,
        );
        assert.ok(
          m.out.actualCycleTimeS >= m.out.idealCycleTimeS,
          `${m.name}: actual cycle ${m.out.actualCycleTimeS}`,
        );
      }
    });
  });

  describe("minimum state duration", () => {
    it("keeps every state at least minStateMs long", () => {
      const line = createLine({ seed: 5, minStateMs: 4000, lifeHours: 4 });
      const events = stateEvents(run(line, 24 * HOUR, 2000));
      const entered = new Map<number, number>(line.machines.map((m) => [m.index, 0]));
      let checked = 0;
      for (const e of events) {
        const since = entered.get(e.machine) ?? 0;
        if (e.timeMs > 0) {
          assert.ok(e.timeMs - since >= 4000 - 1e-6, `state ${e.from} lasted ${e.timeMs - since} ms`);
          checked++;
        }
        entered.set(e.machine, e.timeMs);
      }
      assert.ok(checked > 500, `only ${checked} states checked`);
      const micro = stops(events, 0).filter((s) => s.first === PACKML_STATE.Suspending);
      assert.ok(
        micro.some((s) => s.durationMs < 60_000),
        "no micro-stop under 60 s",
      );
    });
  });

  describe("counters", () => {
    it("resets GoodCount and RejectCount to 0 when the order changes", () => {
      const line = createLine({ seed: 2, counterStart: 1000 });
      const m = line.machines[0];
      assert.ok(m, "no machine");
      assert.equal(m.out.goodCount, 1000);
      let orders = 0;
      for (let i = 0; i < 24 * 3600 && orders < 3; i++) {
        const before = { orderId: m.out.orderId, good: m.out.goodCount };
        const events = stepLine(line, 1000);
        if (events.some((e) => e.kind === "order" && e.machine === 0)) {
          orders++;
          assert.ok(before.good > 0, "no good part in the order");
          assert.notEqual(m.out.orderId, before.orderId);
          // Resetting, Idle and Starting follow: no part is made in the step of the order change.
          assert.equal(m.out.goodCount, 0);
          assert.equal(m.out.rejectCount, 0);
          assert.equal(m.out.stateCurrent, PACKML_STATE.Resetting);
        }
      }
      assert.equal(orders, 3);
    });

    it("makes orders of a few hundred to a few thousand good parts", () => {
      const line = createLine({ seed: 9 });
      const events = run(line, 48 * HOUR, 1000);
      const orders = events.filter((e): e is Extract<LineEvent, { kind: "order" }> => e.kind === "order");
      assert.ok(orders.length > 10, `only ${orders.length} orders`);
      for (const o of orders) assert.ok(o.quantity >= 300 && o.quantity <= 3000, `${o.quantity}`);
      assert.equal(new Set(orders.map((o) => o.orderId)).size, orders.length);
    });

    it("wraps GoodCount and PartSequence from 2^32-1 to 0", () => {
      const start = UINT32_MODULUS - 5;
      const line = createLine({ seed: 4, counterStart: start });
      const m = line.machines[0];
      assert.ok(m, "no machine");
      const goods: number[] = [m.out.goodCount];
      const sequences: number[] = [];
      run(line, 5 * 60_000, 100, (events) => {
        goods.push(m.out.goodCount);
        for (const e of partEvents(events)) if (e.machine === 0) sequences.push(e.sequence);
      });
      for (const g of goods) assert.ok(Number.isInteger(g) && g >= 0 && g < UINT32_MODULUS, `GoodCount ${g}`);
      const wrap = goods.findIndex((g, i) => i > 0 && g < (goods[i - 1] ?? 0));
      assert.ok(wrap > 0, "GoodCount never wrapped");
      assert.ok((goods[wrap - 1] ?? 0) >= start, `GoodCount before the wrap ${goods[wrap - 1]}`);
      assert.ok((goods[wrap] ?? Number.NaN) <= 1, `GoodCount after the wrap ${goods[wrap]}`);
      assert.deepEqual(sequences.slice(0, 7), [start + 1, start + 2, start + 3, start + 4, 0, 1, 2]);
    });
  });

  describe("bearing degradation", () => {
    it("degrades vibration over a life toward zone D, fails, is repaired and starts healthy again", () => {
      const line = createLine({ seed: 6, lifeHours: 3 });
      const m = line.machines[0];
      assert.ok(m, "no machine");
      const before: Array<{ v: number; t: number }> = [];
      const after: Array<{ v: number; t: number }> = [];
      let failure: Extract<LineEvent, { kind: "failure" }> | undefined;
      let repaired = false;
      let maintenanceSeen = false;
      let faultDuringRepair = true;
      for (let i = 0; i < 12 * 360 && after.length < 30; i++) {
        const events = stepLine(line, 10_000);
        for (const e of events) {
          if (e.machine !== 0) continue;
          if (e.kind === "failure") failure ??= e;
          if (e.kind === "repair" && failure) repaired = true;
        }
        if (failure && !repaired) {
          if (m.out.unitModeCurrent === UNIT_MODE.Maintenance) {
            maintenanceSeen = true;
            faultDuringRepair &&= m.out.fault && m.out.alarmText.startsWith("Bearing failure");
          }
        }
        if (m.out.stateCurrent !== PACKML_STATE.Execute) continue;
        const sample = { v: m.out.vibrationRms, t: m.out.bearingTemperature };
        if (!failure) before.push(sample);
        else if (repaired) after.push(sample);
      }
      assert.ok(failure, "no failure");
      assert.ok(failure.vibrationRms > VIBRATION_ZONE_D_MM_S, `vibration at failure ${failure.vibrationRms}`);
      assert.ok(
        repaired && maintenanceSeen && faultDuringRepair,
        `repaired ${repaired}, maintenance ${maintenanceSeen}, fault during repair ${faultDuringRepair}`,
      );
      assert.equal(m.out.unitModeCurrent, UNIT_MODE.Production);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const firstV = mean(before.slice(0, 30).map((s) => s.v));
      const lastV = mean(before.slice(-5).map((s) => s.v));
      const newV = mean(after.map((s) => s.v));
      assert.ok(firstV < 2.3, `healthy vibration ${firstV}`);
      assert.ok(lastV > VIBRATION_ZONE_D_MM_S, `vibration before failure ${lastV}`);
      assert.ok(newV < 2.3, `vibration after repair ${newV}`);
      // monotone on average: each quarter of the life vibrates more than the previous one
      const q = Math.floor(before.length / 4);
      const quarters = [0, 1, 2, 3].map((k) => mean(before.slice(k * q, (k + 1) * q).map((s) => s.v)));
      for (let k = 1; k < 4; k++)
        assert.ok((quarters[k] ?? 0) > (quarters[k - 1] ?? 0), `quarters ${quarters}`);
      const lastT = mean(before.slice(-5).map((s) => s.t));
      const firstT = mean(before.slice(0, 30).map((s) => s.t));
      assert.ok(lastT > firstT + 10, `bearing temperature ${firstT} -> ${lastT}`);
    });

    it("staggers the machines along their lives", () => {
      const line = createLine({ seed: 1, machines: 4 });
      const vibrations = line.machines.map((m) => m.out.vibrationRms);
      assert.equal(new Set(vibrations.map((v) => v.toFixed(3))).size, 4);
      const ages = line.machines.map((m) => m.internal.life.ageMs / m.internal.life.lifeMs);
      assert.ok(Math.max(...ages) - Math.min(...ages) > 0.5, `${ages}`);
      assert.ok(
        ages.every((a) => a <= 0.9),
        `ages ${ages}`,
      );
    });
  });

  describe("quality values", () => {
    it("measures one value per part, mostly in control, with mean shifts of several sigma", () => {
      const line = createLine({ seed: 8 });
      const events = run(line, 24 * HOUR, 1000);
      for (const m of line.machines) {
        const q = m.profile.quality;
        const parts = partEvents(events).filter((e) => e.machine === m.index);
        assert.ok(parts.length > 10_000, `${m.name}: ${parts.length} parts`);
        // PartSequence increments by one per measured part
        parts.forEach((p, i) => {
          if (i > 0) assert.equal(p.sequence, ((parts[i - 1]?.sequence ?? 0) + 1) % UINT32_MODULUS);
        });
        const values = parts.map((p) => p.value);
        const sorted = [...values].sort((a, b) => a - b);
        const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
        assert.ok(Math.abs(median - q.target) < 0.2 * q.sigma, `${m.name} median ${median}`);
        // Mean shifts of several sigma happen, lasting dozens of parts, and show in the data: the mean
        // of the parts made during a shift is more than 1.5 sigma from target (the standard error
        // of a mean of 20 parts is 0.22 sigma).
        const episodes: number[][] = [];
        let current: number[] | undefined;
        for (const p of parts) {
          if (p.shift !== 0) {
            if (!current) {
              current = [];
              episodes.push(current);
            }
            current.push(p.value - p.trend - q.target);
          } else current = undefined;
        }
        assert.ok(episodes.length >= 1, `${m.name}: no mean shift`);
        for (const e of episodes.filter((x) => x.length >= 20)) {
          const shiftMean = e.reduce((a, b) => a + b, 0) / e.length;
          assert.ok(Math.abs(shiftMean) > 1.5 * q.sigma, `${m.name}: shift of ${shiftMean / q.sigma} sigma`);
        }
        // detectable from the data alone: some 20-part moving average is more than 1.5 sigma off
        let window = 0;
        let offTarget = 0;
        for (let i = 0; i < values.length; i++) {
          window += (values[i] ?? 0) - (i >= 20 ? (values[i - 20] ?? 0) : 0);
          if (i >= 19 && Math.abs(window / 20 - q.target) > 1.5 * q.sigma) offTarget++;
        }
        assert.ok(offTarget > 0, `${m.name}: moving average never off target`);
        // slow trends happen too
        assert.ok(
          parts.some((p) => p.trend !== 0),
          `${m.name}: no trend`,
        );
        // rejects are mostly out-of-specification parts
        const rejects = parts.filter((p) => !p.good);
        assert.ok(
          rejects.length > 0 && rejects.length < parts.length * 0.05,
          `${m.name}: ${rejects.length} rejects of ${parts.length}`,
        );
      }
    });
  });
});
