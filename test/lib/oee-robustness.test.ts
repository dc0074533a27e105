/**
 * Inputs dated far from the clock and absurd count increments (review of issue 4): the boundary
 * check lib/validate checkInputTime (7 days before, 5 minutes after the clock), and the OEE
 * reducer's own guards: time never starts more than 7 days before the clock, and a `counts` input
 * beyond 1,000,000 parts or not whole is not counted.
 */
import assert from "node:assert/strict";
import { initialState, MAX_COUNT_INCREMENT, step } from "../../lib/oee/oee";
import type { OeeInput } from "../../lib/oee/types";
import { checkInputTime, INPUT_MAX_AGE_MS, INPUT_MAX_AHEAD_MS } from "../../lib/validate";
import { berlin, change, config, findReport, MIN, run, stateAt } from "./oee-support";

const DAY = 86_400_000;
const NOW = berlin("09:00");

describe("lib/validate: checkInputTime", () => {
  it("takes 7 days before to 5 minutes after the clock, both ends included", () => {
    assert.equal(INPUT_MAX_AGE_MS, 7 * DAY, "7 days");
    assert.equal(INPUT_MAX_AHEAD_MS, 5 * MIN, "5 minutes");
    for (const ts of [NOW, NOW - 7 * DAY, NOW + 5 * MIN, NOW - 1])
      assert.equal(checkInputTime(ts, NOW), null, `${new Date(ts).toISOString()} is taken`);
  });

  it("refuses older, later and non-finite times, naming the field and showing the time", () => {
    const secondsAsMs = Math.floor(NOW / 1000); // a seconds-vs-milliseconds mistake: January 1970
    const e = checkInputTime(secondsAsMs, NOW);
    assert.deepEqual(
      e,
      {
        field: "ts",
        message: `must be within 7 days before and 5 minutes after now (epoch ms or ISO 8601), got ${new Date(secondsAsMs).toISOString()}`,
      },
      "the message",
    );
    assert.match(e?.message ?? "", /got 1970-01-21T/, "shown as a date");
    assert.equal(checkInputTime(NOW - 7 * DAY - 1, NOW)?.field, "ts", "1 ms too old");
    assert.equal(checkInputTime(NOW + 5 * MIN + 1, NOW)?.field, "ts", "1 ms too far ahead");
    assert.equal(checkInputTime(-8.64e15, NOW)?.field, "ts", "the earliest date");
    assert.match(checkInputTime(Number.NaN, NOW)?.message ?? "", /got NaN$/, "NaN");
    assert.equal(
      checkInputTime(NOW - 8 * DAY, NOW, "recode.start")?.field,
      "recode.start",
      "the field named",
    );
  });
});

describe("lib/oee: inputs far from the clock", () => {
  const cfg = config({ rollingMs: 60 * MIN, rejectTag: "" });
  const first = (ts: number): OeeInput => ({ type: "state", change: change(ts, "run", "APT") });

  it("time never starts more than 7 days before the clock (a 1970 StateChange)", () => {
    const r = step(cfg, null, initialState(), first(-8.64e15), NOW);
    assert.equal(r.state.until, NOW - 7 * DAY, "until at the clock - 7 days");
  });

  it("catching up after such a start is bounded by the 7 days, and a stored state goes on", () => {
    const s = step(cfg, null, initialState(), first(Math.floor(NOW / 1000)), NOW).state;
    const stored = JSON.parse(JSON.stringify(s));
    // 7 days of 60 s rolling buckets: 10 080 pieces at most, then the next input as usual.
    const r = step(
      cfg,
      null,
      stored,
      { type: "state", change: change(NOW + 1000, "down", "ADET") },
      NOW + 1000,
    );
    assert.equal(r.state.until, NOW + 1000, "time attributed up to the new change");
    const rep = findReport(
      step(cfg, null, r.state, { type: "report" }, NOW + 1000).reports,
      "rolling",
      undefined,
      false,
    );
    assert.ok(
      rep.times.aptMs >= 60 * MIN && rep.times.aptMs <= 61 * MIN,
      `the last hour ran: ${rep.times.aptMs}`,
    );
  });
});

describe("lib/oee: counts input limits", () => {
  const cfg = config({ rollingMs: 60 * MIN, rejectTag: "" });
  const t0 = berlin("06:00");
  const counts = (good: number, reject: number) => ({
    now: t0 + MIN,
    input: { type: "counts", ts: t0 + MIN, good, reject } as OeeInput,
  });
  const gq = (inputs: ReturnType<typeof counts>[]) =>
    findReport(
      run(cfg, null, [
        stateAt(change(t0, "run", "APT")),
        ...inputs,
        { now: t0 + MIN, input: { type: "report" } },
      ]).reports,
      "rolling",
      undefined,
      false,
    ).counts;

  it("counts whole increments up to 1,000,000 per quantity", () => {
    assert.equal(MAX_COUNT_INCREMENT, 1_000_000, "the limit");
    assert.deepEqual(
      gq([counts(1_000_000, 3)]),
      { pq: 1_000_003, gq: 1_000_000, sq: 3, rq: 0 },
      "at the limit",
    );
  });

  it("refuses (does not count) increments beyond it, fractional or not finite: KPIs stay finite", () => {
    for (const [good, reject] of [
      [1e306, 1e306],
      [1_000_001, 0],
      [2.5, 0],
      [Number.POSITIVE_INFINITY, 0],
      [-1, 0],
    ] as const)
      assert.deepEqual(
        gq([counts(good, reject), counts(4, 1)]),
        { pq: 5, gq: 4, sq: 1, rq: 0 },
        `good ${good}, reject ${reject}: only the valid 4 + 1`,
      );
  });
});
