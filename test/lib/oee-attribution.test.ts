/**
 * Time attribution when inputs overlap (re-coded stops, a breakdown over a break, a planned stop
 * over a break, work through a break, overtime) and when state changes come late. Expected
 * values are worked out by hand from the rules in docs/oee.md "Attribution".
 */
import assert from "node:assert/strict";
import type { OeeReport } from "../../lib/types";
import {
  at,
  berlin,
  change,
  config,
  earlyShiftPlan,
  findReport,
  MIN,
  run,
  stateAt,
  tickAt,
} from "./oee-support";

const t = berlin;

function lossMap(r: OeeReport): Record<string, [number, number | undefined]> {
  const out: Record<string, [number, number | undefined]> = {};
  for (const l of r.losses) out[`${l.reason}/${l.timeElement}`] = [l.durationMs, l.events];
  return out;
}

function assertWhole(r: OeeReport, what: string): void {
  const x = r.times;
  const none = (x.allMs ?? 0) - x.potMs;
  assert.ok(none >= 0, `${what}: NONE >= 0`);
  assert.equal(
    x.aptMs + x.austMs + x.adetMs + x.adotMs + x.pdotMs + none,
    x.allMs,
    `${what}: every ms in one element`,
  );
  assert.ok(
    r.availability !== null && r.availability >= 0 && r.availability <= 1,
    `${what}: availability in [0,1]`,
  );
  const losses = r.losses.reduce((s, l) => s + l.durationMs, 0);
  assert.equal(losses, x.potMs - x.aptMs, `${what}: losses sum to the stop time (POT - APT)`);
}

describe("lib/oee: overlapping inputs", () => {
  const cfg = config({ idealCycleTimeS: 10, orderWindow: true });

  it("re-codes a stop in every window; overlapping re-codes: the last wins", () => {
    const r = run(cfg, earlyShiftPlan(), [
      at(t("06:00"), { type: "order", action: "start", orderId: "O1", ts: t("06:00") }),
      stateAt(change(t("06:00"), "run", "APT")),
      stateAt(change(t("07:00"), "down", "ADET", { stopStart: t("07:00"), reason: "jam" })),
      stateAt(change(t("07:10"), "run", "APT")),
      stateAt(change(t("08:00"), "down", "ADET", { stopStart: t("08:00") })),
      stateAt(change(t("08:20"), "run", "APT")),
      stateAt(change(t("09:00"), "starved", "ADOT", { stopStart: t("09:00"), reason: "starved" })),
      stateAt(change(t("09:05"), "run", "APT")),
      // Re-code [07:00, 08:30) as "motor": stops 07:00 and 08:00.
      stateAt(change(t("09:30"), "down", "ADET", { stopStart: t("07:00"), reason: "motor", recode: true })),
      stateAt(change(t("09:30"), "down", "ADET", { stopStart: t("08:00"), reason: "motor", recode: true })),
      // Re-code [08:00, 09:10) as "electrical": stops 08:00 and 09:00 (08:00 re-coded again).
      stateAt(
        change(t("09:40"), "down", "ADET", { stopStart: t("08:00"), reason: "electrical", recode: true }),
      ),
      stateAt(
        change(t("09:40"), "starved", "ADOT", { stopStart: t("09:00"), reason: "electrical", recode: true }),
      ),
      tickAt(t("14:00")),
    ]);
    // The machine runs through the break (APT), so the break is no loss here.
    const expected = {
      "electrical/ADET": [20 * MIN, 1],
      "motor/ADET": [10 * MIN, 1],
      "electrical/ADOT": [5 * MIN, 1],
    };
    for (const rep of [findReport(r.reports, "shift", "Early", true)]) {
      assert.deepEqual(lossMap(rep), expected, "shift losses after the re-codes");
      assertWhole(rep, "shift");
      assert.equal(rep.times.adetMs, 30 * MIN, "ADET 10 + 20 min");
    }
    // The order window is still open: its interim report sees the same re-codes.
    const more = run(cfg, earlyShiftPlan(), [at(t("14:00"), { type: "report" })], r.state);
    assert.deepEqual(
      lossMap(findReport(more.reports, "order", "O1", false)),
      expected,
      "order losses after the re-codes",
    );
  });

  it("a breakdown over a break: the break is PDOT (its own loss), the rest of the stop ADET", () => {
    const r = run(cfg, earlyShiftPlan(), [
      stateAt(change(t("06:00"), "run", "APT")),
      stateAt(change(t("09:50"), "down", "ADET", { stopStart: t("09:50"), reason: "motor" })),
      stateAt(change(t("10:40"), "run", "APT")),
      tickAt(t("14:00")),
    ]);
    const rep = findReport(r.reports, "shift", "Early", true);
    assertWhole(rep, "breakdown over break");
    assert.equal(rep.times.adetMs, 20 * MIN, "ADET 09:50-10:00 and 10:30-10:40");
    assert.equal(rep.times.pdotMs, 30 * MIN, "PDOT = the break");
    assert.equal(rep.times.aptMs, 430 * MIN, "APT = 480 - 30 - 20");
    assert.equal(rep.availability, 430 / 450, "A = 430/450");
    assert.deepEqual(
      lossMap(rep),
      { "Breakfast/PDOT": [30 * MIN, undefined], "motor/ADET": [20 * MIN, 1] },
      "losses",
    );
  });

  it("a planned stop of the machine over a break: each ms once in PDOT", () => {
    const r = run(cfg, earlyShiftPlan(), [
      stateAt(change(t("06:00"), "run", "APT")),
      stateAt(change(t("09:45"), "planned", "PDOT", { stopStart: t("09:45"), reason: "maintenance" })),
      stateAt(change(t("10:15"), "run", "APT")),
      tickAt(t("14:00")),
    ]);
    const rep = findReport(r.reports, "shift", "Early", true);
    assertWhole(rep, "planned stop over break");
    assert.equal(rep.times.pdotMs, 30 * MIN, "09:45-10:15: the machine's 15 min, then 15 min of the break");
    assert.equal(rep.times.aptMs, 450 * MIN, "APT 06:00-09:45 and 10:15-14:00 (10:15-10:30 worked through)");
    assert.deepEqual(
      lossMap(rep),
      { "Breakfast/PDOT": [15 * MIN, undefined], "maintenance/PDOT": [15 * MIN, 1] },
      "machine PDOT before the break, break PDOT after 10:15 is APT",
    );
  });

  it("work through a break counts as APT; work after the shift is overtime outside the shift window", () => {
    const r = run(config({ idealCycleTimeS: 10, rollingMs: 600 * MIN }), earlyShiftPlan(), [
      stateAt(change(t("06:00"), "run", "APT")),
      stateAt(change(t("14:30"), "idle", "ADOT", { stopStart: t("14:30") })),
      tickAt(t("15:00")),
      at(t("15:00"), { type: "report" }),
    ]);
    const shift = findReport(r.reports, "shift", "Early", true);
    assert.equal(shift.times.aptMs, 480 * MIN, "the whole shift APT, break included");
    assert.equal(shift.times.pdotMs, 0, "no PDOT when the break is worked through");
    assert.equal(shift.availability, 1, "A = 1");
    const rolling = findReport(r.reports, "rolling", undefined, false);
    assert.equal(rolling.times.aptMs, 510 * MIN, "rolling: overtime 14:00-14:30 is APT");
    assert.equal(rolling.times.adotMs, 0, "idle after the shift is not ADOT");
    assert.equal(rolling.times.potMs, 510 * MIN, "POT includes overtime");
    assert.equal(
      (rolling.times.allMs ?? 0) - rolling.times.potMs,
      30 * MIN,
      "14:30-15:00 outside POT (NONE)",
    );
  });
});

describe("lib/oee: late state changes", () => {
  const T = t("08:00");
  const grace = 60_000;
  const cfg = config({ idealCycleTimeS: 10, graceMs: grace, rollingMs: 600 * MIN });
  const start = [stateAt(change(t("07:00"), "run", "APT")), tickAt(T)];

  it("within the grace period: attributed exactly", () => {
    const r = run(cfg, null, [
      ...start,
      at(T, { type: "state", change: change(T - 30_000, "down", "ADET", { stopStart: T - 30_000 }) }),
      tickAt(T + 10 * MIN),
      at(T + 10 * MIN, { type: "report" }),
    ]);
    const rep = findReport(r.reports, "rolling", undefined, false);
    // until = T + 10 min - grace = 08:09.
    assert.equal(rep.times.aptMs, 60 * MIN - 30_000, "APT 07:00-07:59:30");
    assert.equal(rep.times.adetMs, 9 * MIN + 30_000, "ADET 07:59:30-08:09");
    assert.equal(r.state.lateMs, 0, "not late");
    assert.equal(r.events.filter((e) => e.event === "late").length, 0, "no late event");
  });

  it("beyond the grace period: clamped to the attributed time and reported", () => {
    const r = run(cfg, null, [
      ...start,
      at(T, { type: "state", change: change(T - 90_000, "down", "ADET", { stopStart: T - 90_000 }) }),
      tickAt(T + 10 * MIN),
      at(T + 10 * MIN, { type: "report" }),
    ]);
    const rep = findReport(r.reports, "rolling", undefined, false);
    assert.equal(rep.times.aptMs, 59 * MIN, "APT 07:00-07:59 (the watermark when it came)");
    assert.equal(rep.times.adetMs, 10 * MIN, "ADET 07:59-08:09");
    assert.equal(r.state.lateMs, 30_000, "30 s late");
    const late = r.events.filter((e) => e.event === "late");
    assert.equal(late.length, 1, "one late event");
    assert.equal(late[0]!.data?.lateMs, 30_000, "lateness in the event");
  });
});

describe("lib/oee: reasons of the states of one stop", () => {
  // docs/oee.md "Stops and reasons": the first reason of the stop is its reason; a different reason
  // from a state of another element is that element's reason; an element keeps its first reason
  // (its time so far was booked under it).
  it("each element of a stop is booked to the first reason given for it", () => {
    const stop = t("07:00");
    const r = run(config({ rollingMs: 600 * MIN }), null, [
      stateAt(change(t("06:00"), "run", "APT")),
      stateAt(change(stop, "held", "ADET", { stopStart: stop, reason: "jam" })),
      // a later ADET state of the same stop with another reason: ADET stays "jam"
      stateAt(change(t("07:10"), "unholding", "ADET", { stopStart: stop, reason: "other" })),
      // another element: its own reason
      stateAt(change(t("07:20"), "setup", "AUST", { stopStart: stop, reason: "changeover" })),
      stateAt(change(t("07:50"), "run", "APT")),
      at(t("08:00"), { type: "report" }),
    ]);
    const rep = findReport(r.reports, "rolling", undefined, false);
    assert.deepEqual(
      lossMap(rep),
      { "changeover/AUST": [30 * MIN, 1], "jam/ADET": [20 * MIN, 1] },
      "ADET 07:00-07:20 jam, AUST 07:20-07:50 changeover",
    );
    assertWhole(rep, "rolling");
  });
});
