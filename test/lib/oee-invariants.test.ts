/**
 * Invariants of the ISO 22400 time model over many random sequences (seeded, bounded):
 * - every ms of a window is in exactly one element: APT+AUST+ADET+ADOT+PDOT+NONE = window length;
 * - PBT = POT - PDOT; losses by reason cover POT - APT exactly; six big losses + fully
 *   productive time = PBT (STANDARDS 1.2);
 * - OEE = sum(PRI x GQ) / PBT (computed here from the inputs, not from the reducer) and equals
 *   A x P x Q under ISO and TPM allocation and under any split of run time into micro-stops
 *   (STANDARDS 1.2 point 5).
 */
import assert from "node:assert/strict";
import type { Plan } from "../../lib/calendar/types";
import type { OeeConfig } from "../../lib/oee/types";
import type { OeeReport, TimeElement } from "../../lib/types";
import { formatErrors, validate } from "../../lib/validate";
import {
  at,
  berlin,
  change,
  config,
  MIN,
  prng,
  run,
  standInPlan,
  stateAt,
  type Timed,
  tickAt,
} from "./oee-support";

const REL = 1e-12;
const relEq = (a: number, b: number) => Math.abs(a - b) <= REL * Math.max(Math.abs(a), Math.abs(b), 1e-300);

interface Scenario {
  plan: Plan;
  inputs: Timed[];
  /** Each count input: its time and PRI x good, ms (the PRI in force by the rule order > config). */
  counted: Array<{ ts: number; goodIdealMs: number; good: number; produced: number }>;
}

const CONFIG_PRI_S = 12;

function randomPlan(rnd: () => number): Plan {
  const brk = (from: string, name: string) => {
    const start = berlin(from) + Math.floor(rnd() * 60) * MIN;
    return { name, start, end: start + (10 + Math.floor(rnd() * 30)) * MIN };
  };
  return standInPlan([
    {
      id: "d Early",
      name: "Early",
      start: berlin("06:00"),
      end: berlin("14:00"),
      breaks: [brk("08:30", "Break 1"), brk("11:00", "Break 2")],
    },
    {
      id: "d Late",
      name: "Late",
      start: berlin("14:00"),
      end: berlin("22:00"),
      breaks: [brk("17:00", "Dinner")],
    },
  ]);
}

const ELEMENTS: TimeElement[] = ["APT", "APT", "APT", "AUST", "ADET", "ADOT", "PDOT", "NONE"];
const REASONS = ["jam", "motor", "no-order", "changeover", "cleaning", ""];

/**
 * Random inputs from 05:30 to 23:00 in time order (grace 0, each processed at its own time):
 * state changes with stops, counts, orders with their PRI, re-codes, ticks and report requests.
 */
function randomScenario(seed: number): Scenario {
  const rnd = prng(seed);
  const plan = randomPlan(rnd);
  const inputs: Timed[] = [];
  const counted: Scenario["counted"] = [];
  let t = berlin("05:30");
  const end = berlin("23:00");
  let element: TimeElement = "APT";
  let stopStart: number | undefined;
  const stops: number[] = [];
  let order: { id: string; pri: number } | null = null;
  let orderNo = 0;
  inputs.push(stateAt(change(t, "run", "APT")));
  while (t < end) {
    t += Math.floor(rnd() * (rnd() < 0.3 ? 40 * MIN : 3 * MIN)) + 1000;
    const pick = rnd();
    if (pick < 0.35) {
      const el = ELEMENTS[Math.floor(rnd() * ELEMENTS.length)]!;
      const reason = REASONS[Math.floor(rnd() * REASONS.length)]!;
      if (el === "APT") {
        inputs.push(stateAt(change(t, "run", "APT", { microStop: element !== "APT" && rnd() < 0.4 })));
        stopStart = undefined;
      } else {
        if (stopStart === undefined) {
          stopStart = t;
          stops.push(t);
        }
        // Sometimes the classifier leaves stopStart out within a stop: the reducer continues the stop.
        const omit = element !== "APT" && rnd() < 0.3;
        inputs.push(
          stateAt(
            change(t, el.toLowerCase(), el, {
              ...(omit ? {} : { stopStart }),
              ...(reason ? { reason } : {}),
            }),
          ),
        );
      }
      element = el;
    } else if (pick < 0.7) {
      const good = Math.floor(rnd() * 20);
      const reject = rnd() < 0.5 ? Math.floor(rnd() * 3) : 0;
      const rework = rnd() < 0.2 ? 1 : 0;
      inputs.push(at(t, { type: "counts", ts: t, good, reject, rework }));
      const pri = order?.pri ?? CONFIG_PRI_S;
      counted.push({ ts: t, goodIdealMs: pri * 1000 * good, good, produced: good + reject + rework });
    } else if (pick < 0.8) {
      if (order !== null && rnd() < 0.4) {
        inputs.push(at(t, { type: "order", action: "end", orderId: order.id, ts: t }));
        order = null;
      } else {
        orderNo += 1;
        const pri = 1 + Math.floor(rnd() * 59) + (rnd() < 0.5 ? 0.25 : 0);
        order = { id: `O${orderNo}`, pri };
        inputs.push(
          at(t, { type: "order", action: "start", orderId: order.id, ts: t, idealCycleTimeS: pri }),
        );
      }
    } else if (pick < 0.88 && stops.length > 0) {
      const s = stops[Math.floor(rnd() * stops.length)]!;
      const reason = REASONS[Math.floor(rnd() * (REASONS.length - 1))]!;
      inputs.push(stateAt(change(t, "down", "ADET", { stopStart: s, reason, recode: true })));
    } else if (pick < 0.95) {
      inputs.push(tickAt(t));
    } else {
      inputs.push(at(t, { type: "report" }));
    }
  }
  inputs.push(tickAt(end));
  return { plan, inputs, counted };
}

/** The same inputs with micro-stops cut out of production time (same time, same counts). */
function withMicroStops(s: Scenario, seed: number): Scenario {
  const rnd = prng(seed);
  const out: Timed[] = [];
  let element: TimeElement | null = null;
  for (let i = 0; i < s.inputs.length; i++) {
    const item = s.inputs[i]!;
    out.push(item);
    if (item.input.type === "state" && item.input.change.recode === undefined)
      element = item.input.change.timeElement ?? null;
    const next = s.inputs[i + 1];
    if (element !== "APT" || next === undefined) continue;
    const gap = next.now - item.now;
    if (gap < 20_000 || rnd() < 0.5) continue;
    const start = item.now + Math.floor(gap / 4);
    const len = Math.min(90_000, Math.floor(gap / 3));
    // Only inside planned operation: a stop in a break or off shift would change PBT, not split it.
    const piece = s.plan.planAt(start);
    if (piece.kind !== "work" || piece.end < start + len) continue;
    out.push(stateAt(change(start, "jam", "ADET", { stopStart: start, reason: "micro" })));
    out.push(stateAt(change(start + len, "run", "APT", { microStop: true })));
  }
  return { ...s, inputs: out };
}

function checkReport(r: OeeReport, what: string): void {
  const valid = validate("OeeReport", structuredClone(r));
  assert.ok(valid.ok, `${what}: a valid OeeReport ${valid.ok ? "" : formatErrors(valid.errors)}`);
  const t = r.times;
  const none = (t.allMs ?? 0) - t.potMs;
  assert.ok(none >= 0, `${what}: NONE time ${none} >= 0`);
  for (const [k, v] of Object.entries(t)) assert.ok((v as number) >= 0, `${what}: ${k} = ${v} >= 0`);
  assert.equal(
    t.aptMs + t.austMs + t.adetMs + t.adotMs + t.pdotMs,
    t.potMs,
    `${what}: POT is the sum of its elements`,
  );
  assert.equal(t.pbtMs, t.potMs - t.pdotMs, `${what}: PBT = POT - PDOT`);
  const losses = r.losses.reduce((sum, l) => sum + l.durationMs, 0);
  assert.equal(losses, t.potMs - t.aptMs, `${what}: losses by reason cover POT - APT`);
  const six = r.sixBigLosses!;
  const sixSum =
    six.breakdownsMs +
    six.setupMs +
    six.minorStopsMs +
    six.reducedSpeedMs +
    six.defectsMs +
    six.reducedYieldMs +
    six.fullyProductiveMs;
  assert.ok(
    Math.abs(sixSum - t.pbtMs) < 1e-6,
    `${what}: six big losses + fully productive ${sixSum} = PBT ${t.pbtMs}`,
  );
  if (r.availability !== null)
    assert.ok(r.availability >= 0 && r.availability <= 1, `${what}: availability ${r.availability} in [0,1]`);
  if (t.pbtMs === 0) assert.equal(r.oee, null, `${what}: OEE null when PBT = 0`);
  else assert.ok(relEq(r.oee!, six.fullyProductiveMs / t.pbtMs), `${what}: OEE = PRI x GQ / PBT`);
  if (r.availability !== null && r.performance !== null && r.quality !== null)
    assert.ok(relEq(r.availability * r.performance * r.quality, r.oee!), `${what}: A x P x Q = OEE`);
  if (r.counts.pq === 0) assert.equal(r.quality, null, `${what}: quality null when PQ = 0`);
  assert.equal(r.counts.pq, r.counts.gq + r.counts.sq + (r.counts.rq ?? 0), `${what}: PQ = GQ + SQ + RQ`);
}

function finalShifts(reports: readonly OeeReport[]): OeeReport[] {
  return reports.filter((r) => r.window.type === "shift" && r.window.final);
}

describe("lib/oee: invariants over random sequences", () => {
  const SEEDS = Array.from({ length: 40 }, (_, i) => 1000 + i);
  const base = (over: Partial<OeeConfig> = {}) =>
    config({ idealCycleTimeS: CONFIG_PRI_S, rollingMs: 30 * MIN, interimMs: 20 * MIN, maxStops: 5, ...over });

  it("holds the time model and KPI identities in every report", () => {
    for (const seed of SEEDS) {
      const s = randomScenario(seed);
      for (const allocation of ["iso", "tpm"] as const) {
        const r = run(base({ allocation }), s.plan, s.inputs);
        assert.ok(r.reports.length > 10, `seed ${seed}: reports made`);
        r.reports.forEach((rep, i) => {
          checkReport(rep, `seed ${seed} ${allocation} report ${i} (${rep.window.type} ${rep.window.id})`);
        });
        const shifts = finalShifts(r.reports);
        assert.deepEqual(
          shifts.map((x) => x.window.id),
          ["Early", "Late"],
          `seed ${seed}: both shifts closed once`,
        );
        for (const sh of shifts) {
          const what = `seed ${seed} ${allocation} ${sh.window.id}`;
          assert.equal(sh.times.allMs, 8 * 60 * MIN, `${what}: the shift lasts 8 h`);
          const mine = s.counted.filter((c) => c.ts >= sh.window.start && c.ts < sh.window.end);
          const goodIdeal = mine.reduce((sum, c) => sum + c.goodIdealMs, 0);
          const gq = mine.reduce((sum, c) => sum + c.good, 0);
          const pq = mine.reduce((sum, c) => sum + c.produced, 0);
          assert.equal(sh.counts.gq, gq, `${what}: GQ`);
          assert.equal(sh.counts.pq, pq, `${what}: PQ`);
          assert.ok(relEq(sh.sixBigLosses!.fullyProductiveMs, goodIdeal), `${what}: sum PRI x GQ`);
          if (sh.times.pbtMs > 0)
            assert.ok(relEq(sh.oee!, goodIdeal / sh.times.pbtMs), `${what}: OEE = PRI x GQ / PBT`);
        }
      }
    }
  });

  it("gives the same OEE under ISO and TPM allocation and any split into micro-stops", () => {
    for (const seed of SEEDS) {
      const s = randomScenario(seed);
      const split = withMicroStops(s, seed + 1);
      assert.ok(split.inputs.length > s.inputs.length, `seed ${seed}: micro-stops inserted`);
      const runs = [
        run(base({ allocation: "iso" }), s.plan, s.inputs),
        run(base({ allocation: "tpm" }), s.plan, s.inputs),
        run(base({ allocation: "iso" }), split.plan, split.inputs),
        run(base({ allocation: "tpm" }), split.plan, split.inputs),
      ];
      const shifts = runs.map((r) => finalShifts(r.reports));
      const ref = shifts[0]!;
      shifts.forEach((list, k) => {
        assert.equal(list.length, ref.length, `seed ${seed} run ${k}: shift count`);
        list.forEach((sh, i) => {
          const what = `seed ${seed} run ${k} ${sh.window.id}`;
          checkReport(sh, what);
          assert.equal(sh.times.pbtMs, ref[i]!.times.pbtMs, `${what}: same PBT`);
          if (ref[i]!.oee === null) assert.equal(sh.oee, null, `${what}: OEE null`);
          else assert.ok(relEq(sh.oee!, ref[i]!.oee!), `${what}: same OEE ${sh.oee} vs ${ref[i]!.oee}`);
        });
      });
      // The split moved run time to micro-stops: ISO availability drops, TPM availability does not.
      const isoSplit = shifts[2]!;
      const tpmSplit = shifts[3]!;
      isoSplit.forEach((sh, i) => {
        assert.ok(sh.times.aptMs <= ref[i]!.times.aptMs, `seed ${seed}: APT not increased by micro-stops`);
        if (sh.times.microStopMs! > (ref[i]!.times.microStopMs ?? 0) && ref[i]!.availability !== null)
          assert.ok(
            sh.availability! < ref[i]!.availability!,
            `seed ${seed}: ISO availability lower with micro-stops`,
          );
        assert.ok(
          tpmSplit[i]!.availability === null || tpmSplit[i]!.availability! >= sh.availability!,
          `seed ${seed}: TPM availability >= ISO availability`,
        );
      });
    }
  });
});
