/**
 * The worked shift example of docs/oee.md ("Worked example"): every figure below was computed by
 * hand there from ISO 22400-2 (STANDARDS.md 1.1), Nakajima's loss tree (1.2) and TEEP (1.3), not
 * taken from the code. Tolerance 1e-9 (relative, or absolute below 1).
 */
import assert from "node:assert/strict";
import { compileCalendar } from "../../lib/calendar/calendar";
import type { Plan } from "../../lib/calendar/types";
import type { OeeConfig } from "../../lib/oee/types";
import type { OeeReport, StateChange } from "../../lib/types";
import { formatErrors, validate } from "../../lib/validate";
import {
  berlin,
  config,
  earlyShiftPlan,
  findReport,
  MIN,
  near,
  type Run,
  run,
  workedExampleInputs,
} from "./oee-support";

const TOL = 1e-9;

const cfg = (over: Partial<OeeConfig> = {}): OeeConfig =>
  config({ idealCycleTimeS: 25, startupMs: 10 * MIN, shiftWindow: true, orderWindow: true, ...over });

function assertShiftReport(r: OeeReport, allocation: "iso" | "tpm"): void {
  const valid = validate("OeeReport", structuredClone(r));
  assert.ok(valid.ok, `a valid OeeReport ${valid.ok ? "" : formatErrors(valid.errors)}`);
  assert.equal(r.window.type, "shift", "window type");
  assert.equal(r.window.id, "Early", "shift name");
  assert.equal(r.window.start, berlin("06:00"), "window start 06:00");
  assert.equal(r.window.end, berlin("14:00"), "window end 14:00");
  assert.equal(r.window.final, true, "final report");
  assert.deepEqual(
    r.times,
    {
      potMs: 480 * MIN,
      pdotMs: 30 * MIN,
      pbtMs: 450 * MIN,
      aptMs: 387 * MIN,
      austMs: 25 * MIN,
      adetMs: 23 * MIN,
      adotMs: 15 * MIN,
      allMs: 480 * MIN,
      microStopMs: 3 * MIN,
    },
    "time elements",
  );
  assert.deepEqual(r.counts, { pq: 870, gq: 848, sq: 22, rq: 0 }, "counts");
  if (allocation === "iso") {
    near(r.availability, 0.86, TOL, "availability 387/450");
    near(r.performance, 0.9388458225667528, TOL, "performance 21800/23220");
  } else {
    near(r.availability, 0.8666666666666667, TOL, "tpm availability 390/450");
    near(r.performance, 0.9316239316239316, TOL, "tpm performance 21800/23400");
  }
  near(r.quality, 0.9743119266055046, TOL, "quality 21240/21800");
  near(r.oee, 0.7866666666666666, TOL, "OEE 21240/27000");
  near(r.teep, 0.7375, TOL, "TEEP 21240/28800");
  near(r.idealCycleTimeS, 25.057471264367816, TOL, "average PRI 21800 s / 870");
  const six = r.sixBigLosses!;
  near(six.breakdownsMs, 1_200_000, TOL, "breakdowns");
  near(six.setupMs, 1_500_000, TOL, "setup");
  near(six.minorStopsMs, 1_080_000, TOL, "minor stops");
  near(six.reducedSpeedMs, 1_420_000, TOL, "reduced speed");
  near(six.defectsMs, 480_000, TOL, "defects");
  near(six.reducedYieldMs, 80_000, TOL, "reduced yield");
  near(six.fullyProductiveMs, 21_240_000, TOL, "fully productive");
  assert.deepEqual(
    r.losses,
    [
      { reason: "Breakfast", timeElement: "PDOT", durationMs: 30 * MIN },
      { reason: "changeover", timeElement: "AUST", durationMs: 25 * MIN, events: 1 },
      { reason: "motor-overload", timeElement: "ADET", durationMs: 20 * MIN, events: 1 },
      { reason: "no-order", timeElement: "ADOT", durationMs: 15 * MIN, events: 1 },
      { reason: "jam", timeElement: "ADET", durationMs: 3 * MIN, events: 2 },
    ],
    "losses by reason",
  );
}

describe("lib/oee: the worked shift example (docs/oee.md)", () => {
  const check = (plan: Plan, allocation: "iso" | "tpm"): Run => {
    const result = run(cfg({ allocation }), plan, workedExampleInputs());
    assertShiftReport(findReport(result.reports, "shift", "Early", true), allocation);
    return result;
  };

  it("gives the hand-computed figures of the Early shift (ISO allocation)", () => {
    const r = check(earlyShiftPlan(), "iso");
    const shift = findReport(r.reports, "shift", "Early", true);
    const a = shift.availability!;
    const p = shift.performance!;
    const q = shift.quality!;
    near(a * p * q, shift.oee!, 1e-12, "A x P x Q = OEE");
    assert.equal(
      r.reports.filter((x) => x.window.type === "shift" && x.window.final).length,
      1,
      "one final shift report",
    );
  });

  it("gives the same OEE with micro-stops as a performance loss (TPM allocation)", () => {
    check(earlyShiftPlan(), "tpm");
  });

  it("reports order A-100 (06:00-10:45) and the open order B-200 by hand", () => {
    const r = run(cfg(), earlyShiftPlan(), workedExampleInputs());
    const a = findReport(r.reports, "order", "A-100", true);
    assert.equal(a.window.start, berlin("06:00"), "order A start");
    assert.equal(a.window.end, berlin("10:45"), "order A end");
    assert.equal(a.times.aptMs, 232 * MIN, "order A APT");
    assert.equal(a.times.adetMs, 23 * MIN, "order A ADET");
    assert.equal(a.times.pdotMs, 30 * MIN, "order A PDOT (break)");
    assert.equal(a.times.pbtMs, 255 * MIN, "order A PBT");
    assert.deepEqual(a.counts, { pq: 440, gq: 428, sq: 12, rq: 0 }, "order A counts");
    assert.equal(a.productId, "A", "order A product");
    near(a.idealCycleTimeS, 30, TOL, "order A PRI");
    near(a.availability, 0.9098039215686274, TOL, "order A availability 232/255");
    near(a.performance, 0.9482758620689655, TOL, "order A performance 13200/13920");
    near(a.quality, 0.9727272727272728, TOL, "order A quality 428/440");
    near(a.oee, 0.8392156862745098, TOL, "order A OEE 12840/15300");
    near(a.teep, 0.7508771929824561, TOL, "order A TEEP 12840/17100");
    const b = findReport(r.reports, "order", "B-200", false);
    assert.equal(b.window.start, berlin("11:00"), "order B start");
    assert.equal(b.window.end, berlin("14:00"), "order B interim end");
    assert.equal(b.times.austMs, 25 * MIN, "order B setup");
    assert.equal(b.times.aptMs, 155 * MIN, "order B APT");
    assert.equal(b.times.adotMs, 0, "the idle time without order is in no order window");
    assert.deepEqual(b.counts, { pq: 430, gq: 420, sq: 10, rq: 0 }, "order B counts");
    near(b.availability, 0.8611111111111112, TOL, "order B availability 155/180");
    near(b.performance, 0.9247311827956989, TOL, "order B performance 8600/9300");
    near(b.quality, 0.9767441860465116, TOL, "order B quality 420/430");
    near(b.oee, 0.7777777777777778, TOL, "order B OEE 8400/10800");
    near(b.sixBigLosses?.reducedYieldMs, 80_000, TOL, "order B start-up rejects 4 x 20 s");
  });

  it("reports the counter reset at the order change, not thousands of phantom parts", () => {
    const r = run(cfg(), earlyShiftPlan(), workedExampleInputs());
    const resets = r.events.filter((e) => e.event === "counterReset");
    assert.equal(resets.length, 2, "good and reject counters reset");
    assert.deepEqual(
      r.events.map((e) => e.event).filter((e) => e !== "counterReset"),
      ["orderStart", "shiftStart", "orderEnd", "orderStart", "shiftEnd"],
      "window events in order",
    );
  });

  it("gives the same figures through the real calendar (Europe/Berlin)", () => {
    const compiled = compileCalendar({
      timeZone: "Europe/Berlin",
      shifts: [
        {
          name: "Early",
          days: [1, 2, 3, 4, 5],
          start: "06:00",
          end: "14:00",
          breaks: [{ name: "Breakfast", start: "10:00", end: "10:30" }],
        },
      ],
      holidays: [],
      exceptions: [],
      plannedDowntime: [],
    });
    assert.ok(compiled.ok, `calendar compiles: ${JSON.stringify(compiled.ok ? "" : compiled.errors)}`);
    check(compiled.plan, "iso");
    check(compiled.plan, "tpm");
  });

  for (const dst of [
    // Europe/Berlin falls back on Sunday 2026-10-25 03:00 -> 02:00: the night shift lasts 9 h.
    { zone: "Europe/Berlin", day: 6, start: Date.UTC(2026, 9, 24, 20), hours: 9 },
    // America/New_York springs forward on Sunday 2026-03-08 02:00 -> 03:00: the night shift lasts 7 h.
    { zone: "America/New_York", day: 6, start: Date.UTC(2026, 2, 8, 3), hours: 7 },
  ] as const) {
    it(`a night shift over the daylight-saving change in ${dst.zone} has ${dst.hours} h of time`, () => {
      const compiled = compileCalendar({
        timeZone: dst.zone,
        shifts: [{ name: "Night", days: [dst.day], start: "22:00", end: "06:00", breaks: [] }],
        holidays: [],
        exceptions: [],
        plannedDowntime: [],
      });
      assert.ok(compiled.ok, "calendar compiles");
      const start = dst.start;
      const r = run(cfg({ orderWindow: false }), compiled.plan, [
        { now: start - MIN, input: { type: "state", change: stateChange(start - MIN) } },
        { now: start + 12 * 60 * MIN, input: { type: "tick" } },
      ]);
      const night = findReport(r.reports, "shift", "Night", true);
      assert.equal(night.window.start, start, "starts at 22:00 local");
      assert.equal(night.times.allMs, dst.hours * 60 * MIN, `${dst.hours} h`);
      assert.equal(night.times.aptMs, dst.hours * 60 * MIN, "all APT");
      assert.equal(night.availability, 1, "A = 1");
    });
  }
});

function stateChange(ts: number): StateChange {
  return {
    kind: "StateChange",
    asset: "plant/area/line1/filler",
    ts,
    model: "simple",
    state: "run",
    previousState: null,
    previousDurationMs: 0,
    timeElement: "APT",
  };
}
