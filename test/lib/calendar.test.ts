// lib/calendar: shift calendar in an IANA zone. Expected instants are written by hand from the
// calendar and the zones' rules (EU: last Sunday of March/October at 01:00 UTC; US: second Sunday
// of March and first Sunday of November at 02:00 local), not from the code.
import assert from "node:assert/strict";
import {
  compileCalendar,
  DEFAULT_SHIFTS,
  startOfLocalDate,
  summarizeShifts,
} from "../../lib/calendar/calendar";
import type { CalendarConfig, Plan, PlanPiece, ShiftDef } from "../../lib/calendar/types";
import { canonicalTimeZone, formatOffset, localFields, localToEpoch } from "../../lib/calendar/zone";

const H = 3_600_000;
const MIN = 60_000;
const utc = (y: number, mo: number, d: number, h = 0, mi = 0) => Date.UTC(y, mo - 1, d, h, mi);

function plan(config: Partial<CalendarConfig>): Plan {
  const r = compileCalendar({
    timeZone: "Europe/Berlin",
    holidays: [],
    exceptions: [],
    plannedDowntime: [],
    ...config,
  });
  if (!r.ok) assert.fail(`expected a valid calendar: ${JSON.stringify(r.errors)}`);
  return r.plan;
}

function errorsOf(config: unknown): Array<{ field: string; message: string }> {
  const r = compileCalendar(config);
  if (r.ok) assert.fail("expected the calendar to be refused");
  return r.errors;
}

/** The pieces from `from` to `to`, walking planAt from end to end. */
function walk(p: Plan, from: number, to: number): PlanPiece[] {
  const pieces: PlanPiece[] = [];
  for (let t = from; t < to; ) {
    const piece = p.planAt(t);
    pieces.push(piece);
    assert.ok(piece.end > t, `piece at ${new Date(t).toISOString()} ends after it`);
    t = piece.end;
  }
  return pieces;
}

/** ms of work and planned-down inside [from, to). */
function totals(p: Plan, from: number, to: number): { work: number; down: number } {
  let work = 0;
  let down = 0;
  for (const piece of walk(p, from, to)) {
    const len = Math.min(piece.end, to) - Math.max(piece.start, from);
    if (piece.kind === "work") work += len;
    if (piece.kind === "planned-down") down += len;
  }
  return { work, down };
}

const night = (days: ShiftDef["days"], breaks: ShiftDef["breaks"] = []): ShiftDef => ({
  name: "Night",
  days,
  start: "22:00",
  end: "06:00",
  breaks,
});
const early = (days: ShiftDef["days"], breaks: ShiftDef["breaks"] = []): ShiftDef => ({
  name: "Early",
  days,
  start: "06:00",
  end: "14:00",
  breaks,
});

describe("lib/calendar/zone: local time <-> instant", () => {
  it("reads local wall-clock time at and around the Berlin changes", () => {
    assert.deepEqual(localFields(utc(2026, 3, 29, 0, 59), "Europe/Berlin"), {
      year: 2026,
      month: 3,
      day: 29,
      hour: 1,
      minute: 59,
      second: 0,
    });
    assert.equal(localFields(utc(2026, 3, 29, 1), "Europe/Berlin").hour, 3, "01:00Z is 03:00 CEST");
    assert.equal(localFields(utc(2026, 10, 25, 0, 30), "Europe/Berlin").hour, 2, "00:30Z is 02:30 CEST");
    assert.equal(localFields(utc(2026, 10, 25, 1, 30), "Europe/Berlin").hour, 2, "01:30Z is 02:30 CET");
    assert.equal(formatOffset(utc(2026, 1, 15), "America/New_York"), "-05:00");
    assert.equal(formatOffset(utc(2026, 7, 15), "America/New_York"), "-04:00");
  });

  const table: Array<{
    what: string;
    zone: string;
    local: [number, number, number, number, number];
    ms: number;
  }> = [
    { what: "Berlin winter", zone: "Europe/Berlin", local: [2026, 1, 15, 12, 0], ms: utc(2026, 1, 15, 11) },
    { what: "Berlin summer", zone: "Europe/Berlin", local: [2026, 7, 15, 12, 0], ms: utc(2026, 7, 15, 10) },
    // 02:00-02:59 does not exist on 2026-03-29: moved forward by the gap (1 h) to 03:30 CEST.
    {
      what: "Berlin gap 02:30",
      zone: "Europe/Berlin",
      local: [2026, 3, 29, 2, 30],
      ms: utc(2026, 3, 29, 1, 30),
    },
    {
      what: "Berlin gap 02:00",
      zone: "Europe/Berlin",
      local: [2026, 3, 29, 2, 0],
      ms: utc(2026, 3, 29, 1, 0),
    },
    {
      what: "Berlin 03:00 after gap",
      zone: "Europe/Berlin",
      local: [2026, 3, 29, 3, 0],
      ms: utc(2026, 3, 29, 1),
    },
    // 02:00-02:59 exists twice on 2026-10-25: the earlier (CEST) instant.
    {
      what: "Berlin repeated 02:30",
      zone: "Europe/Berlin",
      local: [2026, 10, 25, 2, 30],
      ms: utc(2026, 10, 25, 0, 30),
    },
    {
      what: "Berlin 03:00 after repeat",
      zone: "Europe/Berlin",
      local: [2026, 10, 25, 3, 0],
      ms: utc(2026, 10, 25, 2),
    },
    {
      what: "New York gap 02:30",
      zone: "America/New_York",
      local: [2026, 3, 8, 2, 30],
      ms: utc(2026, 3, 8, 7, 30),
    },
    {
      what: "New York repeated 01:30",
      zone: "America/New_York",
      local: [2026, 11, 1, 1, 30],
      ms: utc(2026, 11, 1, 5, 30),
    },
    {
      what: "New York 02:00 after repeat",
      zone: "America/New_York",
      local: [2026, 11, 1, 2, 0],
      ms: utc(2026, 11, 1, 7),
    },
  ];
  for (const row of table) {
    it(`${row.what}: ${row.local.join(" ")} -> ${new Date(row.ms).toISOString()}`, () => {
      assert.equal(localToEpoch(row.zone, ...row.local), row.ms, row.what);
    });
  }

  it("knows IANA zone names and refuses others", () => {
    assert.equal(canonicalTimeZone("europe/berlin"), "Europe/Berlin");
    assert.equal(canonicalTimeZone("America/New_York"), "America/New_York");
    assert.equal(canonicalTimeZone("Mars/Olympus_Mons"), undefined);
    assert.equal(canonicalTimeZone(""), undefined);
  });
});

describe("lib/calendar: shifts over daylight-saving changes", () => {
  const cases = [
    {
      zone: "Europe/Berlin",
      // Saturday 2026-03-28 22:00 CET (+1) .. Sunday 06:00 CEST (+2); Sunday early 06:00-14:00 CEST.
      spring: {
        night: [utc(2026, 3, 28, 21), utc(2026, 3, 29, 4)],
        day: [utc(2026, 3, 29, 4), utc(2026, 3, 29, 12)],
      },
      // Saturday 2026-10-24 22:00 CEST .. Sunday 06:00 CET; Sunday early 06:00-14:00 CET.
      autumn: {
        night: [utc(2026, 10, 24, 20), utc(2026, 10, 25, 5)],
        day: [utc(2026, 10, 25, 5), utc(2026, 10, 25, 13)],
      },
      springIds: ["2026-03-28 Night", "2026-03-29 Early"],
      autumnIds: ["2026-10-24 Night", "2026-10-25 Early"],
    },
    {
      zone: "America/New_York",
      // Saturday 2026-03-07 22:00 EST (-5) .. Sunday 06:00 EDT (-4); Sunday early in EDT.
      spring: {
        night: [utc(2026, 3, 8, 3), utc(2026, 3, 8, 10)],
        day: [utc(2026, 3, 8, 10), utc(2026, 3, 8, 18)],
      },
      // Saturday 2026-10-31 22:00 EDT .. Sunday 2026-11-01 06:00 EST; Sunday early in EST.
      autumn: {
        night: [utc(2026, 11, 1, 2), utc(2026, 11, 1, 11)],
        day: [utc(2026, 11, 1, 11), utc(2026, 11, 1, 19)],
      },
      springIds: ["2026-03-07 Night", "2026-03-08 Early"],
      autumnIds: ["2026-10-31 Night", "2026-11-01 Early"],
    },
  ];
  for (const c of cases) {
    it(`${c.zone}: the Saturday night shift lasts 7 h in spring and 9 h in autumn; the Sunday day shift 8 h`, () => {
      const p = plan({ timeZone: c.zone, shifts: [night([6]), early([7])] });
      for (const [season, want, [id, dayId], hours] of [
        ["spring", c.spring, c.springIds, 7],
        ["autumn", c.autumn, c.autumnIds, 9],
      ] as const) {
        const shifts = p.shiftsBetween(want.night[0]! - 12 * H, want.day[1]! + H);
        assert.deepEqual(
          shifts.map((s) => [s.id, s.start, s.end]),
          [
            [id, want.night[0], want.night[1]],
            [dayId, want.day[0], want.day[1]],
          ],
          `${season} shifts`,
        );
        assert.equal(shifts[0]!.end - shifts[0]!.start, hours * H, `${season} night length`);
        assert.equal(shifts[1]!.end - shifts[1]!.start, 8 * H, `${season} day length`);
        const piece = p.planAt(want.night[0]! + H);
        assert.deepEqual(
          [piece.kind, piece.start, piece.end, piece.shift?.id],
          ["work", want.night[0], want.night[1], id],
          `${season}: one work piece from shift start to shift end`,
        );
      }
    });
  }

  it("Europe/Berlin spring night: a break at 02:30-02:45 (not a local time that night) is taken at 03:30-03:45 CEST", () => {
    const p = plan({ shifts: [night([6], [{ name: "Coffee", start: "02:30", end: "02:45" }])] });
    // 02:30 local does not exist; compatible: forward by the 1 h gap = 03:30 CEST = 01:30Z.
    const piece = p.planAt(utc(2026, 3, 29, 1, 35));
    assert.deepEqual(
      [piece.kind, piece.reason, piece.start, piece.end],
      ["planned-down", "Coffee", utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 1, 45)],
    );
    const t = totals(p, utc(2026, 3, 28, 21), utc(2026, 3, 29, 4));
    assert.deepEqual(t, { work: 7 * H - 15 * MIN, down: 15 * MIN }, "7 h shift, 15 min break");
    // A normal night: 02:30 CET = 01:30Z.
    assert.equal(p.planAt(utc(2026, 3, 22, 1, 35)).start, utc(2026, 3, 22, 1, 30), "winter night break");
  });

  it("Europe/Berlin spring night: a break 02:30-03:00 lies wholly in the skipped hour and does not take place", () => {
    // 02:30 -> 03:30 CEST, 03:00 -> 03:00 CEST: end before start, empty.
    const p = plan({ shifts: [night([6], [{ name: "Coffee", start: "02:30", end: "03:00" }])] });
    assert.deepEqual(totals(p, utc(2026, 3, 28, 21), utc(2026, 3, 29, 4)), { work: 7 * H, down: 0 });
    assert.deepEqual(totals(p, utc(2026, 3, 21, 21), utc(2026, 3, 22, 5)), { work: 7.5 * H, down: 30 * MIN });
  });

  it("Europe/Berlin autumn night: a break at the repeated 02:30 is taken at the first 02:30 (CEST)", () => {
    const p = plan({ shifts: [night([6], [{ name: "Coffee", start: "02:30", end: "02:45" }])] });
    const piece = p.planAt(utc(2026, 10, 25, 0, 40));
    assert.deepEqual(
      [piece.kind, piece.start, piece.end],
      ["planned-down", utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 0, 45)],
    );
    assert.deepEqual(totals(p, utc(2026, 10, 24, 20), utc(2026, 10, 25, 5)), {
      work: 9 * H - 15 * MIN,
      down: 15 * MIN,
    });
  });

  it("a 24-hour day shift 00:00-24:00 lasts 23 h on the spring Sunday and 25 h on the autumn Sunday", () => {
    const p = plan({ shifts: [{ name: "Day", days: [7], start: "00:00", end: "24:00", breaks: [] }] });
    const [spring] = p.shiftsBetween(utc(2026, 3, 29, 0), utc(2026, 3, 29, 1));
    assert.deepEqual([spring?.start, spring?.end], [utc(2026, 3, 28, 23), utc(2026, 3, 29, 22)]);
    const [autumn] = p.shiftsBetween(utc(2026, 10, 25, 0), utc(2026, 10, 25, 1));
    assert.deepEqual([autumn?.start, autumn?.end], [utc(2026, 10, 24, 22), utc(2026, 10, 25, 23)]);
  });

  it("summarizeShifts shows real lengths with local times and offsets", () => {
    const p = plan({
      shifts: DEFAULT_SHIFTS.map((s) => ({ ...s, days: [6] as ShiftDef["days"] })).filter(
        (s) => s.name === "Night",
      ),
    });
    const from = startOfLocalDate("2026-03-28", "Europe/Berlin")!;
    assert.equal(from, utc(2026, 3, 27, 23), "local midnight 2026-03-28 is 23:00Z the day before");
    const [s] = summarizeShifts(p, from, startOfLocalDate("2026-03-28", "Europe/Berlin", 1)!);
    assert.deepEqual(s, {
      id: "2026-03-28 Night",
      name: "Night",
      date: "2026-03-28",
      weekday: 6,
      start: utc(2026, 3, 28, 21),
      end: utc(2026, 3, 29, 4),
      localStart: "2026-03-28 22:00 +01:00",
      localEnd: "2026-03-29 06:00 +02:00",
      durationMs: 7 * H,
      // Break 02:00-02:30: 02:00 and 02:30 are both in the gap, so 03:00-03:30 CEST.
      workMs: 6.5 * H,
      plannedDownMs: 0.5 * H,
      plannedDown: [
        {
          reason: "Break",
          localStart: "2026-03-29 03:00 +02:00",
          localEnd: "2026-03-29 03:30 +02:00",
          durationMs: 0.5 * H,
        },
      ],
    });
  });
});

describe("lib/calendar: occurrences never overlap in real time, also where a clock change would make them", () => {
  /** The occurrences as [id, start, end], and a check that each ends no later than the next starts. */
  function occurrences(p: Plan, from: number, to: number): Array<[string, number, number]> {
    const shifts = p.shiftsBetween(from, to);
    for (let i = 1; i < shifts.length; i++)
      assert.ok(
        shifts[i - 1]!.end <= shifts[i]!.start,
        `${shifts[i - 1]!.id} ends before ${shifts[i]!.id} starts`,
      );
    return shifts.map((s) => [s.id, s.start, s.end]);
  }

  // Europe/Berlin 2026-03-29: 02:00 CET (+1) jumps to 03:00 CEST (+2) at 01:00Z. A's end 02:30 is
  // not a local time that night ("compatible": 03:30 CEST = 01:30Z), after B's start 03:00 CEST =
  // 01:00Z; A ends at B's start. A: 22:00 CET = 21:00Z .. 01:00Z = 4 h; B: 01:00Z .. 10:00 CEST =
  // 08:00Z = 7 h.
  const berlinA: ShiftDef = { name: "A", days: [6], start: "22:00", end: "02:30", breaks: [] };
  const berlinB: ShiftDef = { name: "B", days: [7], start: "03:00", end: "10:00", breaks: [] };
  const berlinWant: Array<[string, number, number]> = [
    ["2026-03-28 A", utc(2026, 3, 28, 21), utc(2026, 3, 29, 1)],
    ["2026-03-29 B", utc(2026, 3, 29, 1), utc(2026, 3, 29, 8)],
  ];

  it("Europe/Berlin spring night: A 22:00-02:30 ends at B's start 03:00 CEST; A lasts 4 h, B 7 h", () => {
    const p = plan({ shifts: [berlinA, berlinB] });
    const from = utc(2026, 3, 28, 12);
    const to = utc(2026, 3, 29, 12);
    assert.deepEqual(occurrences(p, from, to), berlinWant, "occurrences");
    const atB = p.planAt(utc(2026, 3, 29, 1));
    assert.deepEqual(
      [atB.kind, atB.shift?.id, atB.start, atB.end],
      ["work", "2026-03-29 B", utc(2026, 3, 29, 1), utc(2026, 3, 29, 8)],
      "B's start belongs to B",
    );
    const atA = p.planAt(utc(2026, 3, 29, 1) - 1);
    assert.deepEqual(
      [atA.kind, atA.shift?.id, atA.start, atA.end],
      ["work", "2026-03-28 A", utc(2026, 3, 28, 21), utc(2026, 3, 29, 1)],
      "A's last ms belongs to A",
    );
    assert.deepEqual(
      walk(p, from, to).map((x) => [x.kind, x.shift?.id, x.start, x.end]),
      [
        ["off", undefined, utc(2026, 3, 23), utc(2026, 3, 28, 21)],
        ["work", "2026-03-28 A", utc(2026, 3, 28, 21), utc(2026, 3, 29, 1)],
        ["work", "2026-03-29 B", utc(2026, 3, 29, 1), utc(2026, 3, 29, 8)],
        ["off", undefined, utc(2026, 3, 29, 8), utc(2026, 3, 30)],
      ],
      "pieces tile: off, A, B, off (off cut at Mondays 00:00Z)",
    );
    assert.deepEqual(totals(p, from, to), { work: 11 * H, down: 0 }, "21:00Z .. 08:00Z, counted once");
    const summary = summarizeShifts(
      p,
      startOfLocalDate("2026-03-28", "Europe/Berlin")!,
      startOfLocalDate("2026-03-28", "Europe/Berlin", 2)!,
    );
    assert.deepEqual(
      summary.map((x) => [x.id, x.localStart, x.localEnd, x.durationMs, x.workMs, x.plannedDownMs]),
      [
        ["2026-03-28 A", "2026-03-28 22:00 +01:00", "2026-03-29 03:00 +02:00", 4 * H, 4 * H, 0],
        ["2026-03-29 B", "2026-03-29 03:00 +02:00", "2026-03-29 10:00 +02:00", 7 * H, 7 * H, 0],
      ],
      "preview: 4 h + 7 h = the 11 h from 21:00Z to 08:00Z",
    );
    // A week earlier (CET all night): A 21:00Z .. 02:30 CET = 01:30Z (4.5 h); B 02:00Z .. 09:00Z.
    assert.deepEqual(
      occurrences(p, utc(2026, 3, 21, 12), utc(2026, 3, 22, 12)),
      [
        ["2026-03-21 A", utc(2026, 3, 21, 21), utc(2026, 3, 22, 1, 30)],
        ["2026-03-22 B", utc(2026, 3, 22, 2), utc(2026, 3, 22, 9)],
      ],
      "an ordinary night",
    );
  });

  it("Europe/Berlin spring night: the same B as an exception is not refused (checked on the clock) and A ends at its start", () => {
    const p = plan({
      shifts: [berlinA, { ...berlinB, name: "B", days: [1] }],
      exceptions: [{ date: "2026-03-29", shifts: [{ name: "B", start: "03:00", end: "10:00", breaks: [] }] }],
    });
    assert.deepEqual(occurrences(p, utc(2026, 3, 28, 12), utc(2026, 3, 29, 12)), berlinWant, "occurrences");
  });

  it("Europe/Berlin spring night: a break ending in the gap ends where the next break starts", () => {
    // Coffee 01:30 CET = 00:30Z .. 02:30 (-> 03:30 CEST = 01:30Z), Meal 03:00-03:30 CEST = 01:00Z-01:30Z:
    // Coffee ends at 01:00Z (30 min); the shift 21:00Z .. 06:00 CEST = 04:00Z is 7 h, 1 h of it breaks.
    const p = plan({
      shifts: [
        night(
          [6],
          [
            { name: "Coffee", start: "01:30", end: "02:30" },
            { name: "Meal", start: "03:00", end: "03:30" },
          ],
        ),
      ],
    });
    const coffee = p.planAt(utc(2026, 3, 29, 0, 45));
    assert.deepEqual(
      [coffee.kind, coffee.reason, coffee.start, coffee.end],
      ["planned-down", "Coffee", utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1)],
      "Coffee",
    );
    const meal = p.planAt(utc(2026, 3, 29, 1));
    assert.deepEqual(
      [meal.kind, meal.reason, meal.start, meal.end],
      ["planned-down", "Meal", utc(2026, 3, 29, 1), utc(2026, 3, 29, 1, 30)],
      "Meal",
    );
    assert.deepEqual(
      totals(p, utc(2026, 3, 28, 21), utc(2026, 3, 29, 4)),
      { work: 6 * H, down: 1 * H },
      "totals",
    );
    const [s] = summarizeShifts(p, utc(2026, 3, 28, 12), utc(2026, 3, 29, 0));
    assert.deepEqual(
      s?.plannedDown.map((d) => [d.reason, d.localStart, d.localEnd, d.durationMs]),
      [
        ["Coffee", "2026-03-29 01:30 +01:00", "2026-03-29 03:00 +02:00", 30 * MIN],
        ["Meal", "2026-03-29 03:00 +02:00", "2026-03-29 03:30 +02:00", 30 * MIN],
      ],
      "preview breaks",
    );
  });

  it("America/New_York spring night: a shift starting in the gap that the next shift overtakes does not take place", () => {
    // 2026-03-08: 02:00 EST (-5) jumps to 03:00 EDT (-4) at 07:00Z. A Sat 22:00 EST = 03:00Z ..
    // 02:15 (-> 03:15 EDT = 07:15Z); B 02:15-02:45 (-> 07:15Z-07:45Z); C 03:00 EDT = 07:00Z ..
    // 10:00 EDT = 14:00Z. C starts before A's and B's ends: A ends at 07:00Z (4 h), B is left
    // with nothing, C lasts 7 h.
    const shifts: ShiftDef[] = [
      { name: "A", days: [6], start: "22:00", end: "02:15", breaks: [] },
      { name: "B", days: [7], start: "02:15", end: "02:45", breaks: [] },
      { name: "C", days: [7], start: "03:00", end: "10:00", breaks: [] },
    ];
    const p = plan({ timeZone: "America/New_York", shifts });
    const from = utc(2026, 3, 7, 12);
    const to = utc(2026, 3, 8, 18);
    assert.deepEqual(
      occurrences(p, from, to),
      [
        ["2026-03-07 A", utc(2026, 3, 8, 3), utc(2026, 3, 8, 7)],
        ["2026-03-08 C", utc(2026, 3, 8, 7), utc(2026, 3, 8, 14)],
      ],
      "occurrences",
    );
    assert.deepEqual(p.planAt(utc(2026, 3, 8, 7, 20)).shift?.id, "2026-03-08 C", "07:20Z is C's");
    assert.deepEqual(totals(p, from, to), { work: 11 * H, down: 0 }, "03:00Z .. 14:00Z");
    const summary = summarizeShifts(p, from, to);
    assert.deepEqual(
      summary.map((x) => [x.id, x.localEnd, x.durationMs]),
      [
        ["2026-03-07 A", "2026-03-08 03:00 -04:00", 4 * H],
        ["2026-03-08 C", "2026-03-08 10:00 -04:00", 7 * H],
      ],
      "preview",
    );
    // A week later (EDT): A 22:00 EDT = 02:00Z .. 02:15 EDT = 06:15Z; B 06:15Z-06:45Z; C 07:00Z-14:00Z.
    assert.deepEqual(
      occurrences(p, utc(2026, 3, 14, 12), utc(2026, 3, 15, 18)),
      [
        ["2026-03-14 A", utc(2026, 3, 15, 2), utc(2026, 3, 15, 6, 15)],
        ["2026-03-15 B", utc(2026, 3, 15, 6, 15), utc(2026, 3, 15, 6, 45)],
        ["2026-03-15 C", utc(2026, 3, 15, 7), utc(2026, 3, 15, 14)],
      ],
      "an ordinary night",
    );
  });

  it("America/New_York autumn night: a shift ending in the repeated hour ends at its first pass, where the next starts", () => {
    // 2026-11-01: 02:00 EDT (-4) goes back to 01:00 EST (-5) at 06:00Z; 01:30 is its first pass,
    // 01:30 EDT = 05:30Z. A Sat 22:00 EDT = 02:00Z .. 05:30Z (3.5 h); B 05:30Z .. 10:00 EST = 15:00Z (9.5 h).
    const p = plan({
      timeZone: "America/New_York",
      shifts: [
        { name: "A", days: [6], start: "22:00", end: "01:30", breaks: [] },
        { name: "B", days: [7], start: "01:30", end: "10:00", breaks: [] },
      ],
    });
    const from = utc(2026, 10, 31, 12);
    const to = utc(2026, 11, 1, 18);
    assert.deepEqual(
      occurrences(p, from, to),
      [
        ["2026-10-31 A", utc(2026, 11, 1, 2), utc(2026, 11, 1, 5, 30)],
        ["2026-11-01 B", utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 15)],
      ],
      "occurrences",
    );
    assert.deepEqual(totals(p, from, to), { work: 13 * H, down: 0 }, "02:00Z .. 15:00Z");
  });

  it("America/Santiago spring night (clock change at midnight): F 20:00-00:30 ends at G's start 01:00", () => {
    // 2026-09-06: 00:00 (-4) jumps to 01:00 (-3) at 04:00Z. F Sat 20:00 -04 = 2026-09-06 00:00Z ..
    // 00:30 (-> 01:30 -03 = 04:30Z), G Sun 01:00 -03 = 04:00Z .. 09:00 -03 = 12:00Z; H 00:40-00:50
    // lies wholly in the gap (-> 04:40Z-04:50Z, inside G) and does not take place. F: 4 h, G: 8 h.
    const p = plan({
      timeZone: "America/Santiago",
      shifts: [
        { name: "F", days: [6], start: "20:00", end: "00:30", breaks: [] },
        { name: "H", days: [7], start: "00:40", end: "00:50", breaks: [] },
        { name: "G", days: [7], start: "01:00", end: "09:00", breaks: [] },
      ],
    });
    const from = utc(2026, 9, 5, 12);
    const to = utc(2026, 9, 6, 18);
    assert.deepEqual(
      occurrences(p, from, to),
      [
        ["2026-09-05 F", utc(2026, 9, 6, 0), utc(2026, 9, 6, 4)],
        ["2026-09-06 G", utc(2026, 9, 6, 4), utc(2026, 9, 6, 12)],
      ],
      "occurrences",
    );
    assert.deepEqual(totals(p, from, to), { work: 12 * H, down: 0 }, "00:00Z .. 12:00Z");
  });

  // Ends and starts in and next to the skipped and repeated hours of each zone.
  const awkward: ShiftDef[] = [
    {
      name: "A",
      days: [6],
      start: "21:00",
      end: "02:30",
      breaks: [{ name: "X", start: "01:30", end: "02:15" }],
    },
    { name: "B", days: [7], start: "02:30", end: "02:45", breaks: [] },
    {
      name: "C",
      days: [7],
      start: "03:00",
      end: "12:00",
      breaks: [{ name: "Y", start: "03:00", end: "03:10" }],
    },
    { name: "D", days: [6], start: "12:00", end: "20:00", breaks: [] },
    { name: "E", days: [6], start: "20:00", end: "20:30", breaks: [] },
  ];
  const awkwardMidnight: ShiftDef[] = [
    {
      name: "F",
      days: [6],
      start: "20:00",
      end: "00:30",
      breaks: [{ name: "X", start: "23:45", end: "00:15" }],
    },
    { name: "H", days: [7], start: "00:40", end: "00:50", breaks: [] },
    {
      name: "G",
      days: [7],
      start: "01:00",
      end: "09:00",
      breaks: [{ name: "Y", start: "01:00", end: "01:10" }],
    },
  ];
  for (const [zone, shifts] of [
    ["Europe/Berlin", awkward],
    ["America/New_York", awkward],
    ["America/Santiago", awkwardMidnight],
  ] as const) {
    it(`${zone}: a year of awkward shifts around the changes tiles, and no time is planned twice`, () => {
      const p = plan({ timeZone: zone, shifts });
      const from = utc(2026, 1, 5);
      const to = from + 52 * 7 * 24 * H;
      const all = occurrences(p, from, to);
      assert.ok(all.length > 150, `${zone}: occurrences found`);
      const pieces = walk(p, from, to);
      let shiftTime = 0;
      for (const [, start, end] of all) shiftTime += Math.min(end, to) - Math.max(start, from);
      for (let i = 1; i < pieces.length; i++)
        assert.equal(pieces[i]!.start, pieces[i - 1]!.end, `${zone}: contiguous at ${pieces[i]!.start}`);
      for (const x of pieces)
        if (x.kind !== "off")
          assert.ok(
            x.shift && x.shift.start <= x.start && x.end <= x.shift.end,
            `${zone}: piece inside its shift`,
          );
      const t = totals(p, from, to);
      assert.equal(t.work + t.down, shiftTime, `${zone}: planned time = the shifts' time, nothing twice`);
    });
  }
});

describe("lib/calendar: pattern, holidays, exceptions, planned downtime", () => {
  it("a shift crossing midnight belongs to the day it starts; Sunday night runs into Monday", () => {
    const p = plan({ shifts: [night([7], [{ name: "Meal", start: "01:00", end: "01:30" }])] });
    // Sunday 2026-06-07 22:00 CEST = 20:00Z .. Monday 06:00 CEST = 04:00Z.
    const monday3am = p.planAt(utc(2026, 6, 8, 1));
    assert.deepEqual(
      [monday3am.kind, monday3am.start, monday3am.end, monday3am.shift?.id],
      ["work", utc(2026, 6, 7, 23, 30), utc(2026, 6, 8, 4), "2026-06-07 Night"],
    );
    const meal = p.planAt(utc(2026, 6, 7, 23, 10));
    assert.deepEqual(
      [meal.kind, meal.reason, meal.start, meal.end],
      ["planned-down", "Meal", utc(2026, 6, 7, 23), utc(2026, 6, 7, 23, 30)],
    );
    // After the shift: off until the next Sunday 20:00Z, cut at Monday 00:00 UTC week boundaries.
    const after = p.planAt(utc(2026, 6, 8, 4));
    assert.deepEqual(
      [after.kind, after.start, after.end, after.shift],
      ["off", utc(2026, 6, 8, 4), utc(2026, 6, 14, 20), undefined],
    );
    assert.deepEqual(
      p.shiftsBetween(utc(2026, 6, 8, 0), utc(2026, 6, 8, 1)).map((s) => s.id),
      ["2026-06-07 Night"],
    );
  });

  it("off pieces are cut at Mondays 00:00 UTC and continue from there", () => {
    const p = plan({ shifts: [early([3])] });
    // Wednesday 2026-06-03 14:00 CEST = 12:00Z; next shift Wednesday 2026-06-10 04:00Z.
    const a = p.planAt(utc(2026, 6, 5));
    assert.deepEqual([a.kind, a.start, a.end], ["off", utc(2026, 6, 3, 12), utc(2026, 6, 8)]);
    const b = p.planAt(a.end);
    assert.deepEqual([b.kind, b.start, b.end], ["off", utc(2026, 6, 8), utc(2026, 6, 10, 4)]);
  });

  it("back-to-back shifts are separate pieces; shiftsBetween is [from, to) and in time order", () => {
    const p = plan({ shifts: DEFAULT_SHIFTS });
    // Wednesday 2026-06-03 (CEST): Early 04:00Z-12:00Z, Late 12:00Z-20:00Z, Night 20:00Z-04:00Z.
    const e = p.planAt(utc(2026, 6, 3, 11, 59));
    const l = p.planAt(utc(2026, 6, 3, 12));
    assert.deepEqual(
      [e.end, e.shift?.id, l.start, l.shift?.id],
      [utc(2026, 6, 3, 12), "2026-06-03 Early", utc(2026, 6, 3, 12), "2026-06-03 Late"],
    );
    assert.deepEqual(
      p.shiftsBetween(utc(2026, 6, 3, 4), utc(2026, 6, 3, 20)).map((s) => s.id),
      ["2026-06-03 Early", "2026-06-03 Late"],
      "Tuesday's night ends at 04:00Z (excluded), Wednesday's night starts at 20:00Z (excluded)",
    );
    assert.deepEqual(p.shiftsBetween(utc(2026, 6, 3, 20), utc(2026, 6, 3, 4)), [], "to before from");
  });

  it("no shift starts on a holiday; the night before still ends", () => {
    const p = plan({ shifts: DEFAULT_SHIFTS, holidays: ["2026-05-01"] });
    // Thursday 2026-04-30: Night 22:00 CEST (20:00Z) .. Friday 06:00 (04:00Z); nothing starts Friday.
    assert.deepEqual(
      p.shiftsBetween(utc(2026, 4, 30, 12), utc(2026, 5, 4)).map((s) => s.id),
      ["2026-04-30 Late", "2026-04-30 Night"],
    );
    const friday = p.planAt(utc(2026, 5, 1, 8));
    assert.deepEqual([friday.kind, friday.start, friday.end], ["off", utc(2026, 5, 1, 4), utc(2026, 5, 4)]);
    assert.equal(p.planAt(utc(2026, 5, 4)).end, utc(2026, 5, 4, 4), "Monday 06:00 CEST");
  });

  it("an exception replaces the date's shifts; [] means no work; it wins over a holiday", () => {
    const p = plan({
      shifts: DEFAULT_SHIFTS,
      holidays: ["2026-12-24", "2026-12-25"],
      exceptions: [
        { date: "2026-12-24", shifts: [{ name: "Short", start: "06:00", end: "12:00", breaks: [] }] },
        { date: "2026-12-30", shifts: [] },
      ],
    });
    // CET (+1): Dec 23 Night 21:00Z .. Dec 24 05:00Z; Dec 24 Short 05:00Z .. 11:00Z.
    const christmas = p.shiftsBetween(utc(2026, 12, 23, 23), utc(2026, 12, 26));
    assert.deepEqual(
      christmas.map((s) => [s.id, s.start, s.end]),
      [
        ["2026-12-23 Night", utc(2026, 12, 23, 21), utc(2026, 12, 24, 5)],
        ["2026-12-24 Short", utc(2026, 12, 24, 5), utc(2026, 12, 24, 11)],
      ],
    );
    assert.deepEqual(
      p.shiftsBetween(utc(2026, 12, 30), utc(2026, 12, 31, 23)).map((s) => s.id),
      ["2026-12-29 Night", "2026-12-31 Early", "2026-12-31 Late", "2026-12-31 Night"],
    );
  });

  it("planned downtime is planned-down inside shifts, named by the break where they overlap, and ignored outside shifts", () => {
    const p = plan({
      shifts: DEFAULT_SHIFTS,
      plannedDowntime: [
        // Wednesday 2026-06-03 (CEST): around the Early break 10:00-10:30.
        { name: "Maintenance", start: "2026-06-03T09:30", end: "2026-06-03T11:00" },
        // Across the Early/Late change, as epoch ms: 13:30-15:00 CEST.
        { name: "Trial", start: utc(2026, 6, 3, 11, 30), end: utc(2026, 6, 3, 13) },
        // Saturday: no shift, no effect.
        { name: "Cleaning", start: "2026-06-06T10:00", end: "2026-06-06T12:00" },
      ],
    });
    const pieces = walk(p, utc(2026, 6, 3, 4), utc(2026, 6, 3, 20)).map((x) => [
      x.kind,
      x.reason ?? "",
      x.shift?.name,
      (x.start - utc(2026, 6, 3, 4)) / MIN,
      (x.end - utc(2026, 6, 3, 4)) / MIN,
    ]);
    // Minutes from 06:00 local.
    assert.deepEqual(pieces, [
      ["work", "", "Early", 0, 210],
      ["planned-down", "Maintenance", "Early", 210, 240],
      ["planned-down", "Break", "Early", 240, 270],
      ["planned-down", "Maintenance", "Early", 270, 300],
      ["work", "", "Early", 300, 450],
      ["planned-down", "Trial", "Early", 450, 480],
      ["planned-down", "Trial", "Late", 480, 540],
      ["work", "", "Late", 540, 720],
      ["planned-down", "Break", "Late", 720, 750],
      ["work", "", "Late", 750, 960],
    ]);
    const saturday = p.planAt(utc(2026, 6, 6, 9));
    assert.equal(saturday.kind, "off");
  });

  it("planAt returns the same piece for every instant inside it", () => {
    const p = plan({ shifts: DEFAULT_SHIFTS });
    const a = p.planAt(utc(2026, 6, 3, 5));
    const b = p.planAt(utc(2026, 6, 3, 7, 59));
    assert.deepEqual(b, a);
    assert.throws(() => p.planAt(Number.NaN), /epoch ms/);
  });
});

describe("lib/calendar: pieces tile the time line", () => {
  // Default pattern plus a Saturday night shift (so the spring and autumn nights are covered).
  const shifts: ShiftDef[] = [
    ...DEFAULT_SHIFTS,
    { ...night([6]), name: "Weekend night", breaks: [{ name: "Break", start: "02:00", end: "02:30" }] },
  ];
  for (const zone of ["Europe/Berlin", "America/New_York"]) {
    it(`${zone}: a year of pieces is contiguous and every week holds the hand-computed planned time`, () => {
      const p = plan({ timeZone: zone, shifts });
      const from = utc(2026, 1, 5); // a Monday
      const to = from + 52 * 7 * 24 * H;
      const pieces = walk(p, from, to);
      for (let i = 1; i < pieces.length; i++) {
        assert.equal(
          pieces[i]!.start,
          pieces[i - 1]!.end,
          `contiguous at ${new Date(pieces[i]!.start).toISOString()}`,
        );
      }
      // UTC weeks Monday..Monday hold every shift of the local week whole in both zones (no shift
      // on Sunday evenings or Monday before 06:00 local). Per week: 15 x 8 h + the Saturday night,
      // 8 h, or 7 h / 9 h in the weeks of the spring / autumn change; 16 breaks of 30 min.
      const special: Record<string, Record<string, number>> = {
        "Europe/Berlin": { "2026-03-23": 127, "2026-10-19": 129 },
        "America/New_York": { "2026-03-02": 127, "2026-10-26": 129 },
      };
      for (let w = 0; w < 52; w++) {
        const start = from + w * 7 * 24 * H;
        const key = new Date(start).toISOString().slice(0, 10);
        const t = totals(p, start, start + 7 * 24 * H);
        const hours = special[zone]![key] ?? 128;
        assert.equal(t.work + t.down, hours * H, `${zone} week of ${key}: planned time`);
        assert.equal(t.down, 8 * H, `${zone} week of ${key}: breaks`);
      }
    });

    it(`${zone}: any instant lies in its piece, and the piece is the same from its start and its last ms`, () => {
      const p = plan({ timeZone: zone, shifts });
      let seed = 12345;
      const random = () => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed / 2147483648;
      };
      const from = utc(2026, 1, 1);
      const span = 365 * 24 * H;
      for (let i = 0; i < 3000; i++) {
        const ms = from + Math.floor(random() * span);
        const piece = p.planAt(ms);
        assert.ok(piece.start <= ms && ms < piece.end, `${ms} in [${piece.start}, ${piece.end})`);
        const atStart = p.planAt(piece.start);
        const atLast = p.planAt(piece.end - 1);
        assert.deepEqual(
          [atStart.start, atStart.end, atStart.kind],
          [piece.start, piece.end, piece.kind],
          "from its start",
        );
        assert.deepEqual(
          [atLast.start, atLast.end, atLast.kind],
          [piece.start, piece.end, piece.kind],
          "from its last ms",
        );
        const before = p.planAt(piece.start - 1);
        assert.equal(before.end, piece.start, "the piece before ends where it starts");
        if (piece.kind !== "off")
          assert.ok(
            piece.shift && piece.shift.start <= piece.start && piece.end <= piece.shift.end,
            "inside its shift",
          );
      }
    });
  }
});

describe("lib/calendar: configuration errors name the field and the expected form", () => {
  const good = (): Record<string, unknown> => ({
    timeZone: "Europe/Berlin",
    shifts: structuredClone(DEFAULT_SHIFTS),
    holidays: [],
    exceptions: [],
    plannedDowntime: [],
  });
  const table: Array<{
    what: string;
    change: (c: Record<string, unknown>) => void;
    field: string;
    message: RegExp;
  }> = [
    {
      what: "a start time 25:00",
      change: (c) => {
        (c.shifts as ShiftDef[])[1]!.start = "25:00";
      },
      field: "shifts[1].start",
      message: /^must be a time HH:MM \(00:00\.\.23:59\), got "25:00"$/,
    },
    {
      what: "an end time 6:00",
      change: (c) => {
        (c.shifts as ShiftDef[])[0]!.end = "6:00";
      },
      field: "shifts[0].end",
      message: /^must be a time HH:MM \(00:00\.\.24:00\), got "6:00"$/,
    },
    {
      what: "an unknown time zone",
      change: (c) => {
        c.timeZone = "Mars/Olympus_Mons";
      },
      field: "timeZone",
      message: /^must be an IANA time zone name such as "Europe\/Berlin".*got "Mars\/Olympus_Mons"$/,
    },
    {
      what: "weekday 8",
      change: (c) => {
        (c.shifts as ShiftDef[])[2]!.days = [1, 8 as 1];
      },
      field: "shifts[2].days[1]",
      message: /^must be a weekday 1 \(Monday\) \.\. 7 \(Sunday\), got 8$/,
    },
    {
      what: "no weekday",
      change: (c) => {
        (c.shifts as ShiftDef[])[0]!.days = [];
      },
      field: "shifts[0].days",
      message: /^must list at least one weekday/,
    },
    {
      what: "a break outside its shift",
      change: (c) => {
        (c.shifts as ShiftDef[])[0]!.breaks = [{ name: "Late lunch", start: "13:45", end: "14:15" }];
      },
      field: "shifts[0].breaks[0]",
      message: /^13:45-14:15 must lie inside its shift 06:00-14:00$/,
    },
    {
      what: "overlapping breaks",
      change: (c) => {
        (c.shifts as ShiftDef[])[0]!.breaks.push({ name: "Lunch", start: "10:15", end: "10:45" });
      },
      field: "shifts[0].breaks",
      message: /break "Lunch" 10:15-10:45 overlaps break "Break" 10:00-10:30/,
    },
    {
      what: "overlapping shifts of the pattern",
      change: (c) => {
        (c.shifts as ShiftDef[])[1]!.start = "13:00";
      },
      field: "shifts[1]",
      message: /^"Late" \(Monday 13:00-22:00\) overlaps shifts\[0\] "Early" \(Monday 06:00-14:00\)$/,
    },
    {
      what: "a Sunday night overlapping a Monday early shift (weekly wrap)",
      change: (c) => {
        const s = c.shifts as ShiftDef[];
        s[0]!.start = "05:00";
        s[2]!.days = [7];
      },
      field: "shifts[2]",
      message: /^"Night" \(Sunday 22:00-06:00\) overlaps shifts\[0\] "Early" \(Monday 05:00-14:00\)$/,
    },
    {
      what: "two shifts of one name on one day",
      change: (c) => {
        const s = c.shifts as ShiftDef[];
        s[1]!.name = "Early";
      },
      field: "shifts[1].name",
      message: /also starts on Monday as shifts\[0\]/,
    },
    {
      what: "an empty shift name",
      change: (c) => {
        (c.shifts as ShiftDef[])[0]!.name = " ";
      },
      field: "shifts[0].name",
      message: /^must be a non-empty text, got " "$/,
    },
    {
      what: "no shifts",
      change: (c) => {
        c.shifts = [];
      },
      field: "shifts",
      message: /^must list at least one shift$/,
    },
    {
      what: "a holiday that is not a date",
      change: (c) => {
        c.holidays = ["2026-12-25", "2026-02-30"];
      },
      field: "holidays[1]",
      message: /^must be a date YYYY-MM-DD, got "2026-02-30"$/,
    },
    {
      what: "an exception with a bad date",
      change: (c) => {
        c.exceptions = [{ date: "2026-13-01", shifts: [] }];
      },
      field: "exceptions[0].date",
      message: /^must be a date YYYY-MM-DD, got "2026-13-01"$/,
    },
    {
      what: "the same exception date twice",
      change: (c) => {
        c.exceptions = [
          { date: "2026-12-24", shifts: [] },
          { date: "2026-12-24", shifts: [] },
        ];
      },
      field: "exceptions[1].date",
      message: /^2026-12-24 is already listed in exceptions\[0\]$/,
    },
    {
      what: "an exception shift with a bad end",
      change: (c) => {
        c.exceptions = [
          { date: "2026-12-24", shifts: [{ name: "Short", start: "06:00", end: "x", breaks: [] }] },
        ];
      },
      field: "exceptions[0].shifts[0].end",
      message: /^must be a time HH:MM \(00:00\.\.24:00\), got "x"$/,
    },
    {
      what: "an exception shift overlapping the night before",
      change: (c) => {
        // Tuesday 2026-06-09; Monday's Night lasts until 06:00.
        c.exceptions = [
          { date: "2026-06-09", shifts: [{ name: "Early", start: "05:00", end: "13:00", breaks: [] }] },
        ];
      },
      field: "exceptions[0].shifts[0]",
      message:
        /^"Early" \(2026-06-09 05:00 to 2026-06-09 13:00\) overlaps "2026-06-08 Night" \(2026-06-08 22:00 to 2026-06-09 06:00\)$/,
    },
    {
      what: "planned downtime ending before it starts",
      change: (c) => {
        c.plannedDowntime = [{ name: "Maintenance", start: "2026-06-03T10:00", end: "2026-06-03T09:00" }];
      },
      field: "plannedDowntime[0].end",
      message: /^must be after start \("2026-06-03T10:00"\), got "2026-06-03T09:00"$/,
    },
    {
      what: "planned downtime after its start on the clock but not in real time (spring gap)",
      change: (c) => {
        // 02:30 does not exist on 2026-03-29 in Berlin: 03:30 CEST, after the end 03:15 CEST.
        c.plannedDowntime = [{ name: "Maintenance", start: "2026-03-29T02:30", end: "2026-03-29T03:15" }];
      },
      field: "plannedDowntime[0].end",
      message:
        /^must be after start \("2026-03-29T02:30"\) in real time, got "2026-03-29T03:15"; the clock change reads the start as 2026-03-29 03:30 \+02:00 and the end as 2026-03-29 03:15 \+02:00$/,
    },
    {
      what: "planned downtime with a bad date-time",
      change: (c) => {
        c.plannedDowntime = [{ name: "Maintenance", start: "2026-06-03 10:00", end: "2026-06-03T11:00" }];
      },
      field: "plannedDowntime[0].start",
      message:
        /^must be a local date-time YYYY-MM-DDTHH:MM in the calendar's zone or epoch milliseconds, got "2026-06-03 10:00"$/,
    },
    {
      what: "holidays not a list",
      change: (c) => {
        c.holidays = "2026-12-25";
      },
      field: "holidays",
      message: /^must be a list, got "2026-12-25"$/,
    },
  ];
  for (const row of table) {
    it(`${row.what}: ${row.field}`, () => {
      const config = good();
      row.change(config);
      const errors = errorsOf(config);
      const mine = errors.find((e) => e.field === row.field);
      assert.ok(mine, `an error on ${row.field}: ${JSON.stringify(errors)}`);
      assert.match(mine.message, row.message);
    });
  }

  it("reports every wrong field at once, and a non-object as a whole", () => {
    const config = good();
    (config.shifts as ShiftDef[])[0]!.start = "6";
    config.timeZone = "Nowhere";
    config.holidays = ["tomorrow"];
    assert.deepEqual(
      errorsOf(config).map((e) => e.field),
      ["timeZone", "shifts[0].start", "holidays[0]"],
    );
    assert.deepEqual(errorsOf(null), [{ field: "", message: "must be an object, got null" }]);
  });

  it("the default pattern is valid", () => {
    assert.ok(compileCalendar(good()).ok, "DEFAULT_SHIFTS compile");
  });
});
