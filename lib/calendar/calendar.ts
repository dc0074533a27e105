/**
 * The shift calendar (contract: lib/calendar/types.ts): a weekly shift pattern with breaks,
 * holidays, dated exceptions and planned downtime, in an IANA time zone, compiled once into a
 * `Plan` that answers "what is planned at this instant, and until when" (planAt) and "which
 * shifts overlap this interval" (shiftsBetween).
 *
 * Planned downtime and breaks inside a shift are "planned-down": ISO 22400-2 PDOT, planned time
 * off within the planned operation time (STANDARDS.md 1.1, PBT = POT - PDOT).
 *
 * Local times become instants with Temporal "compatible" disambiguation (lib/calendar/zone.ts):
 * each local time on its own, so a night shift 22:00-06:00 over a clock change lasts 7 h (spring)
 * or 9 h (autumn) of real time.
 *
 * That reading does not keep the clock's order inside a spring gap: in Europe/Berlin on
 * 2026-03-29 the missing 02:30 becomes 03:30 CEST, after 03:00 CEST. So a shift ending at 02:30
 * would overlap one starting at 03:00 although they do not overlap on the clock. The rule that
 * keeps the plan consistent: occurrences never overlap in real time. An occurrence ends at the
 * latest where an occurrence that starts later on the clock begins (its ShiftInstance.end says
 * so); one left with no time does not take place. Likewise a break ends at the latest where the
 * next break of its shift begins, and breaks and planned downtime are cut to their shift.
 * Overlaps on the clock itself are configuration errors (checked on the clock, not in real time).
 *
 * Pure: no clock reads, no timers. Shift occurrences are cached per local date and plan pieces
 * per week, both in bounded caches, so planAt costs a comparison when called again inside the
 * same piece and a binary search otherwise.
 */
import type { EpochMs } from "../types";
import type { FieldError } from "../validate";
import { got } from "../validate";
import type { Plan, PlanPiece, ShiftDef, ShiftInstance, Weekday } from "./types";
import {
  canonicalTimeZone,
  dayNumber,
  formatDay,
  formatLocal,
  formatOffset,
  isoWeekday,
  localDayNumber,
  localMinuteToEpoch,
  localToEpoch,
  offsetAt,
} from "./zone";

export type CompileResult = { ok: true; plan: Plan } | { ok: false; errors: FieldError[] };

const DAY_MINUTES = 1440;
const WEEK_MINUTES = 7 * DAY_MINUTES;
const DAY_MS = 86_400_000;
/** Plan pieces are cached per week; an "off" stretch is cut at these week boundaries. */
const WEEK_MS = 7 * DAY_MS;
/** 1970-01-05T00:00Z, a Monday: week boundaries fall on Mondays 00:00 UTC. */
const WEEK_ORIGIN_MS = 4 * DAY_MS;
// About a year of days and weeks: bounded memory, and replays or reports over a year stay cheap.
const MAX_CACHED_DAYS = 400;
const MAX_CACHED_WEEKS = 60;

export const WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/** The editor's default pattern: three 8-hour shifts Monday to Friday, each with a 30-minute break. */
export const DEFAULT_SHIFTS: ShiftDef[] = [
  {
    name: "Early",
    days: [1, 2, 3, 4, 5],
    start: "06:00",
    end: "14:00",
    breaks: [{ name: "Break", start: "10:00", end: "10:30" }],
  },
  {
    name: "Late",
    days: [1, 2, 3, 4, 5],
    start: "14:00",
    end: "22:00",
    breaks: [{ name: "Break", start: "18:00", end: "18:30" }],
  },
  {
    name: "Night",
    days: [1, 2, 3, 4, 5],
    start: "22:00",
    end: "06:00",
    breaks: [{ name: "Break", start: "02:00", end: "02:30" }],
  },
];

// ---- compiled form ----------------------------------------------------------------------------

/** A break in minutes from the local midnight of the day the shift starts. */
interface CompiledBreak {
  name: string;
  startMin: number;
  endMin: number;
}

/** A shift in minutes from the local midnight of the day it starts (endMin may exceed 1440). */
interface CompiledShift {
  name: string;
  startMin: number;
  endMin: number;
  breaks: CompiledBreak[];
  /** Index in its list (shifts[] or exceptions[i].shifts[]), for messages. */
  index: number;
}

interface Interval {
  name: string;
  start: EpochMs;
  end: EpochMs;
}

interface Occurrence {
  shift: ShiftInstance;
  breaks: Interval[];
  /** Index of the shift definition in its list. */
  index: number;
}

/** A shift definition on a local date, each bound read on its own (before the no-overlap rule). */
interface RawOccurrence {
  def: CompiledShift;
  start: EpochMs;
  end: EpochMs;
  /** Break bounds in clock order, cut to [start, end]. */
  breaks: Interval[];
}

interface CompiledCalendar {
  timeZone: string;
  /** Pattern shifts by ISO weekday (index 1..7), sorted by start. */
  byWeekday: CompiledShift[][];
  holidays: Set<string>;
  exceptions: Map<string, CompiledShift[]>;
  /** Planned downtime in list order (the first listed names an overlap). */
  downtime: Interval[];
}

// ---- parsing ----------------------------------------------------------------------------------

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;
const TIME_FORM = "must be a time HH:MM (00:00..23:59)";
const END_FORM = "must be a time HH:MM (00:00..24:00)";
const DATE_FORM = "must be a date YYYY-MM-DD";
const DATE_TIME_FORM =
  "must be a local date-time YYYY-MM-DDTHH:MM in the calendar's zone or epoch milliseconds";
const NAME_FORM = "must be a non-empty text";

/** Minutes after midnight of "HH:MM"; "24:00" only when `allowMidnightEnd`. */
function parseClock(value: unknown, allowMidnightEnd: boolean): number | undefined {
  if (typeof value !== "string") return undefined;
  if (allowMidnightEnd && value === "24:00") return DAY_MINUTES;
  const m = TIME.exec(value);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

function validDate(year: number, month: number, day: number): boolean {
  if (year < 1900 || month < 1 || month > 12 || day < 1) return false;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= last;
}

/** Day number of a "YYYY-MM-DD" date, or undefined. */
function parseDate(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const m = DATE.exec(value);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return validDate(y, mo, d) ? dayNumber(y, mo, d) : undefined;
}

/** Epoch ms of a planned downtime bound: a local "YYYY-MM-DDTHH:MM" in `zone` or epoch ms. */
function parseDateTime(value: unknown, zone: string | undefined): number | "bad" | "no-zone" {
  if (typeof value === "number") return Number.isFinite(value) ? value : "bad";
  if (typeof value !== "string") return "bad";
  const m = LOCAL_DATE_TIME.exec(value);
  if (!m) return "bad";
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!validDate(y, mo, d)) return "bad";
  if (zone === undefined) return "no-zone";
  return localToEpoch(zone, y, mo, d, Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isName(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "";
}

function clock(minutes: number): string {
  const m = ((minutes % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

function span(startMin: number, endMin: number): string {
  return `${clock(startMin)}-${endMin === DAY_MINUTES ? "24:00" : clock(endMin)}`;
}

/** A list field: missing = [], anything else but an array is an error. */
function list(value: unknown, field: string, errors: FieldError[]): unknown[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  errors.push({ field, message: `must be a list${got(value)}` });
  return [];
}

/** One shift (pattern or exception); undefined when a field is wrong (errors say which). */
function compileShift(
  raw: unknown,
  index: number,
  field: string,
  errors: FieldError[],
): CompiledShift | undefined {
  if (!isRecord(raw)) {
    errors.push({ field, message: `must be an object {name, start, end, breaks}${got(raw)}` });
    return undefined;
  }
  const before = errors.length;
  if (!isName(raw.name)) errors.push({ field: `${field}.name`, message: `${NAME_FORM}${got(raw.name)}` });
  const start = parseClock(raw.start, false);
  if (start === undefined) errors.push({ field: `${field}.start`, message: `${TIME_FORM}${got(raw.start)}` });
  const endClock = parseClock(raw.end, true);
  if (endClock === undefined) errors.push({ field: `${field}.end`, message: `${END_FORM}${got(raw.end)}` });
  const rawBreaks = list(raw.breaks, `${field}.breaks`, errors);
  if (start === undefined || endClock === undefined) return undefined;
  // end <= start: the shift ends the next day (so start = end is a 24-hour shift).
  const endMin = endClock <= start ? endClock + DAY_MINUTES : endClock;
  const breaks: CompiledBreak[] = [];
  rawBreaks.forEach((b, i) => {
    const bf = `${field}.breaks[${i}]`;
    if (!isRecord(b)) {
      errors.push({ field: bf, message: `must be an object {name, start, end}${got(b)}` });
      return;
    }
    if (!isName(b.name)) errors.push({ field: `${bf}.name`, message: `${NAME_FORM}${got(b.name)}` });
    const bs = parseClock(b.start, false);
    if (bs === undefined) errors.push({ field: `${bf}.start`, message: `${TIME_FORM}${got(b.start)}` });
    const be = parseClock(b.end, true);
    if (be === undefined) errors.push({ field: `${bf}.end`, message: `${END_FORM}${got(b.end)}` });
    if (bs === undefined || be === undefined) return;
    // A break time before the shift start is on the next day (the shift crosses midnight); so is
    // an end equal to the shift start (the end of a 24-hour shift).
    const startAbs = bs < start ? bs + DAY_MINUTES : bs;
    const endAbs = be <= start ? be + DAY_MINUTES : be;
    if (endAbs <= startAbs) {
      errors.push({ field: bf, message: `${span(bs, be)} must end after it starts, inside its shift` });
    } else if (endAbs > endMin) {
      errors.push({
        field: bf,
        message: `${span(bs, be)} must lie inside its shift ${span(start, endClock)}`,
      });
    } else if (isName(b.name)) {
      breaks.push({ name: b.name.trim(), startMin: startAbs, endMin: endAbs });
    }
  });
  const sorted = [...breaks].sort((a, b) => a.startMin - b.startMin);
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1]!, sorted[i]!];
    if (b.startMin < a.endMin) {
      errors.push({
        field: `${field}.breaks`,
        message: `break "${b.name}" ${span(b.startMin, b.endMin)} overlaps break "${a.name}" ${span(a.startMin, a.endMin)}`,
      });
    }
  }
  if (errors.length > before) return undefined;
  return { name: (raw.name as string).trim(), startMin: start, endMin, breaks: sorted, index };
}

function compileWeekdays(raw: unknown, field: string, errors: FieldError[]): Weekday[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    errors.push({ field, message: `must list at least one weekday 1 (Monday) .. 7 (Sunday)${got(raw)}` });
    return undefined;
  }
  const days: Weekday[] = [];
  let ok = true;
  raw.forEach((d, i) => {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 1 || d > 7) {
      errors.push({
        field: `${field}[${i}]`,
        message: `must be a weekday 1 (Monday) .. 7 (Sunday)${got(d)}`,
      });
      ok = false;
    } else if (days.includes(d as Weekday)) {
      errors.push({ field: `${field}[${i}]`, message: `repeats ${WEEKDAY_NAMES[d - 1]}` });
      ok = false;
    } else days.push(d as Weekday);
  });
  return ok ? days : undefined;
}

/**
 * Pattern shifts must not overlap one another, also across the week's end (Sunday night into
 * Monday). Times are compared on the local clock. In real time a bound in a spring gap can still
 * pass a later clock time (02:30 -> 03:30 CEST is after 03:00 CEST); CompiledPlan.occurrences
 * clamps such an occurrence's end instead of refusing a calendar that is fine on the clock.
 */
function checkPatternOverlaps(
  shifts: Array<{ shift: CompiledShift; days: Weekday[] }>,
  errors: FieldError[],
): void {
  const slots = shifts.flatMap(({ shift, days }) =>
    days.map((d) => ({
      shift,
      day: d,
      start: (d - 1) * DAY_MINUTES + shift.startMin,
      end: (d - 1) * DAY_MINUTES + shift.endMin,
    })),
  );
  const reported = new Set<string>();
  for (let i = 0; i < slots.length; i++) {
    for (let j = 0; j < slots.length; j++) {
      const [a, b] = [slots[i]!, slots[j]!];
      if (a.shift.index >= b.shift.index) continue;
      const overlaps = [-WEEK_MINUTES, 0, WEEK_MINUTES].some(
        (shift) => b.start + shift < a.end && a.start < b.end + shift,
      );
      const key = `${a.shift.index}/${b.shift.index}`;
      if (!overlaps || reported.has(key)) continue;
      reported.add(key);
      errors.push({
        field: `shifts[${b.shift.index}]`,
        message:
          `"${b.shift.name}" (${WEEKDAY_NAMES[b.day - 1]} ${span(b.shift.startMin, b.shift.endMin)}) overlaps ` +
          `shifts[${a.shift.index}] "${a.shift.name}" (${WEEKDAY_NAMES[a.day - 1]} ${span(a.shift.startMin, a.shift.endMin)})`,
      });
    }
  }
}

/** Shifts of one exception date must not overlap each other. */
function checkDayOverlaps(shifts: CompiledShift[], field: string, errors: FieldError[]): void {
  const sorted = [...shifts].sort((a, b) => a.startMin - b.startMin);
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1]!, sorted[i]!];
    if (b.startMin < a.endMin) {
      errors.push({
        field: `${field}[${b.index}]`,
        message: `"${b.name}" ${span(b.startMin, b.endMin)} overlaps "${a.name}" ${span(a.startMin, a.endMin)}`,
      });
    }
  }
}

/** Compile and check a calendar configuration. Every error names its field and the expected form. */
export function compileCalendar(config: unknown): CompileResult {
  const errors: FieldError[] = [];
  if (!isRecord(config)) {
    return { ok: false, errors: [{ field: "", message: `must be an object${got(config)}` }] };
  }

  const zone = typeof config.timeZone === "string" ? canonicalTimeZone(config.timeZone) : undefined;
  if (zone === undefined) {
    errors.push({
      field: "timeZone",
      message: `must be an IANA time zone name such as "Europe/Berlin" or "America/New_York"${got(config.timeZone)}`,
    });
  }

  // Weekly pattern.
  const rawShifts = list(config.shifts, "shifts", errors);
  if (Array.isArray(config.shifts) && rawShifts.length === 0)
    errors.push({ field: "shifts", message: "must list at least one shift" });
  const pattern: Array<{ shift: CompiledShift; days: Weekday[] }> = [];
  rawShifts.forEach((raw, i) => {
    const field = `shifts[${i}]`;
    const days = compileWeekdays(isRecord(raw) ? raw.days : undefined, `${field}.days`, errors);
    const shift = compileShift(raw, i, field, errors);
    if (shift && days) pattern.push({ shift, days });
  });
  const byWeekday: CompiledShift[][] = Array.from({ length: 8 }, () => []);
  for (const { shift, days } of pattern) {
    for (const d of days) {
      const clash = byWeekday[d]!.find((s) => s.name === shift.name);
      if (clash) {
        errors.push({
          field: `shifts[${shift.index}].name`,
          message:
            `"${shift.name}" also starts on ${WEEKDAY_NAMES[d - 1]} as shifts[${clash.index}]; ` +
            "shifts starting on the same day need different names",
        });
      } else byWeekday[d]!.push(shift);
    }
  }
  for (const day of byWeekday) day.sort((a, b) => a.startMin - b.startMin);
  checkPatternOverlaps(pattern, errors);

  // Holidays.
  const holidays = new Set<string>();
  list(config.holidays, "holidays", errors).forEach((h, i) => {
    const n = parseDate(h);
    if (n === undefined) errors.push({ field: `holidays[${i}]`, message: `${DATE_FORM}${got(h)}` });
    else holidays.add(formatDay(n));
  });

  // Exceptions: dated replacements of the pattern.
  const exceptions = new Map<string, CompiledShift[]>();
  const exceptionIndex = new Map<string, number>();
  list(config.exceptions, "exceptions", errors).forEach((raw, i) => {
    const field = `exceptions[${i}]`;
    if (!isRecord(raw)) {
      errors.push({ field, message: `must be an object {date, shifts}${got(raw)}` });
      return;
    }
    const n = parseDate(raw.date);
    if (n === undefined) errors.push({ field: `${field}.date`, message: `${DATE_FORM}${got(raw.date)}` });
    const date = n === undefined ? undefined : formatDay(n);
    if (date !== undefined && exceptionIndex.has(date)) {
      errors.push({
        field: `${field}.date`,
        message: `${date} is already listed in exceptions[${exceptionIndex.get(date)}]`,
      });
    }
    if (!Array.isArray(raw.shifts)) {
      errors.push({
        field: `${field}.shifts`,
        message: `must be a list of shifts ([] = no work)${got(raw.shifts)}`,
      });
      return;
    }
    const before = errors.length;
    const shifts: CompiledShift[] = [];
    raw.shifts.forEach((s, j) => {
      const shift = compileShift(s, j, `${field}.shifts[${j}]`, errors);
      if (!shift) return;
      const clash = shifts.find((o) => o.name === shift.name);
      if (clash) {
        errors.push({
          field: `${field}.shifts[${j}].name`,
          message: `"${shift.name}" is already used by ${field}.shifts[${clash.index}]`,
        });
      } else shifts.push(shift);
    });
    checkDayOverlaps(shifts, `${field}.shifts`, errors);
    if (date !== undefined && !exceptionIndex.has(date) && errors.length === before) {
      exceptions.set(
        date,
        shifts.sort((a, b) => a.startMin - b.startMin),
      );
      exceptionIndex.set(date, i);
    }
  });

  // Planned downtime at fixed dates.
  const downtime: Interval[] = [];
  list(config.plannedDowntime, "plannedDowntime", errors).forEach((raw, i) => {
    const field = `plannedDowntime[${i}]`;
    if (!isRecord(raw)) {
      errors.push({ field, message: `must be an object {name, start, end}${got(raw)}` });
      return;
    }
    if (!isName(raw.name)) errors.push({ field: `${field}.name`, message: `${NAME_FORM}${got(raw.name)}` });
    const start = parseDateTime(raw.start, zone);
    const end = parseDateTime(raw.end, zone);
    if (start === "bad")
      errors.push({ field: `${field}.start`, message: `${DATE_TIME_FORM}${got(raw.start)}` });
    if (end === "bad") errors.push({ field: `${field}.end`, message: `${DATE_TIME_FORM}${got(raw.end)}` });
    if (typeof start !== "number" || typeof end !== "number") return;
    if (end <= start) {
      // After the start on the clock but not in real time: a bound in a spring gap moved forward.
      const gap = typeof raw.start === "string" && typeof raw.end === "string" && raw.end > raw.start;
      errors.push({
        field: `${field}.end`,
        message: gap
          ? `must be after start (${JSON.stringify(raw.start)}) in real time${got(raw.end)}; the clock ` +
            `change reads the start as ${localStamp(start, zone!)} and the end as ${localStamp(end, zone!)}`
          : `must be after start (${JSON.stringify(raw.start)})${got(raw.end)}`,
      });
    } else if (isName(raw.name)) downtime.push({ name: raw.name.trim(), start, end });
  });

  if (errors.length > 0 || zone === undefined) return { ok: false, errors };

  const calendar: CompiledCalendar = { timeZone: zone, byWeekday, holidays, exceptions, downtime };
  // An exception's shifts must not overlap the shifts of the days before and after it. Compared on
  // the local clock like the pattern (a spring gap's overlap in real time is clamped, not refused).
  for (const [date, i] of exceptionIndex) {
    const n = parseDate(date)!;
    const slots = (d: number) =>
      shiftsOn(calendar, d).map((s) => ({
        s,
        d,
        start: d * DAY_MINUTES + s.startMin,
        end: d * DAY_MINUTES + s.endMin,
      }));
    const neighbours = [...slots(n - 1), ...slots(n + 1)].sort((a, b) => a.start - b.start);
    for (const mine of slots(n)) {
      for (const other of neighbours) {
        if (other.start >= mine.end || mine.start >= other.end) continue;
        errors.push({
          field: `exceptions[${i}].shifts[${mine.s.index}]`,
          message:
            `"${mine.s.name}" (${describeSlot(mine)}) overlaps ` +
            `"${formatDay(other.d)} ${other.s.name}" (${describeSlot(other)})`,
        });
      }
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, plan: new CompiledPlan(calendar) };
}

/** Local "YYYY-MM-DD HH:MM to YYYY-MM-DD HH:MM" of a shift slot (clock minutes from day 0), as written. */
function describeSlot(slot: { start: number; end: number }): string {
  const at = (minutes: number) => `${formatDay(Math.floor(minutes / DAY_MINUTES))} ${clock(minutes)}`;
  return `${at(slot.start)} to ${at(slot.end)}`;
}

/** The shifts starting on local day number `n`: an exception says exactly what is worked that day, even on a holiday. */
function shiftsOn(calendar: CompiledCalendar, n: number): CompiledShift[] {
  const date = formatDay(n);
  return (
    calendar.exceptions.get(date) ?? (calendar.holidays.has(date) ? [] : calendar.byWeekday[isoWeekday(n)]!)
  );
}

// ---- the plan ---------------------------------------------------------------------------------

/** Evicts the oldest entry (insertion order) beyond `max`. */
function remember<K, V>(cache: Map<K, V>, key: K, value: V, max: number): V {
  if (cache.size >= max) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(key, value);
  return value;
}

class CompiledPlan implements Plan {
  readonly timeZone: string;
  private readonly calendar: CompiledCalendar;
  private readonly raw = new Map<number, RawOccurrence[]>();
  private readonly days = new Map<number, Occurrence[]>();
  private readonly weeks = new Map<number, PlanPiece[]>();
  private last: PlanPiece | undefined;

  constructor(calendar: CompiledCalendar) {
    this.calendar = calendar;
    this.timeZone = calendar.timeZone;
  }

  /**
   * The shifts starting on local day number `n` in clock order, each bound read on its own
   * ("compatible"), before the no-overlap rule. A shift whose end then comes no later than its
   * start (it starts in a skipped hour and ends less than the gap's length after it) is left out.
   */
  private rawOccurrences(n: number): RawOccurrence[] {
    const cached = this.raw.get(n);
    if (cached) return cached;
    const { timeZone } = this.calendar;
    // Shifts and breaks of day n lie on days n and n+1. When the offset a day before day n and a
    // day after day n+1 is the same, there is no clock change in between (zones change at most
    // twice a year; the general conversion assumes one change per two days at most, too) and a
    // local time is one subtraction away; otherwise each time goes through localToEpoch.
    const midnight = n * DAY_MS;
    const before = offsetAt(midnight - DAY_MS, timeZone);
    const steady = before === offsetAt(midnight + 3 * DAY_MS, timeZone) ? before : undefined;
    const instants = new Map<number, number>();
    const at = (minute: number): number => {
      if (steady !== undefined) return midnight + minute * 60_000 - steady;
      let t = instants.get(minute);
      if (t === undefined) {
        t = localMinuteToEpoch(timeZone, n, minute);
        instants.set(minute, t);
      }
      return t;
    };
    const found: RawOccurrence[] = [];
    // shiftsOn lists a day's shifts sorted by start time, i.e. in clock order.
    for (const def of shiftsOn(this.calendar, n)) {
      const start = at(def.startMin);
      const end = at(def.endMin);
      if (end <= start) continue;
      // Each bound on its own ("compatible"); a break that lay in the skipped hour keeps its clock
      // length an hour later. Cut to the shift here; emptied ones are dropped in occurrences().
      const breaks = def.breaks.map((b) => ({
        name: b.name,
        start: Math.min(Math.max(at(b.startMin), start), end),
        end: Math.min(Math.max(at(b.endMin), start), end),
      }));
      found.push({ def, start, end, breaks });
    }
    return remember(this.raw, n, found, MAX_CACHED_DAYS);
  }

  /**
   * Shift occurrences starting on local day number `n`, in time order, with the no-overlap rule
   * applied (see the file comment): each ends at the latest where a shift that starts later on
   * the clock begins, and each break at the latest where the shift's next break begins. Needs
   * days n+1 and n+2: a shift ends at most 24 clock hours after it starts, so before day n+2
   * ends, and a gap can sit at midnight (e.g. America/Santiago, Asia/Beirut).
   */
  occurrences(n: number): Occurrence[] {
    const cached = this.days.get(n);
    if (cached) return cached;
    const mine = this.rawOccurrences(n);
    const later = [...mine, ...this.rawOccurrences(n + 1), ...this.rawOccurrences(n + 2)];
    const date = formatDay(n);
    const found: Occurrence[] = [];
    mine.forEach((o, i) => {
      let end = o.end;
      for (let j = i + 1; j < later.length; j++) end = Math.min(end, later[j]!.start);
      // Squeezed out: the clock's later shift begins (in real time) before this one does.
      if (end <= o.start) return;
      const breaks: Interval[] = [];
      o.breaks.forEach((b, k) => {
        let be = Math.min(b.end, end);
        for (let j = k + 1; j < o.breaks.length; j++) be = Math.min(be, o.breaks[j]!.start);
        // Empty: the break lay wholly in the skipped hour, or a later break or shift took its time.
        if (be > b.start) breaks.push({ name: b.name, start: b.start, end: be });
      });
      const shift: ShiftInstance = Object.freeze({
        id: `${date} ${o.def.name}`,
        name: o.def.name,
        start: o.start,
        end,
      });
      found.push({ shift, breaks, index: o.def.index });
    });
    found.sort((a, b) => a.shift.start - b.shift.start);
    return remember(this.days, n, found, MAX_CACHED_DAYS);
  }

  planAt(ms: EpochMs): PlanPiece {
    const last = this.last;
    if (last !== undefined && ms >= last.start && ms < last.end) return last;
    if (typeof ms !== "number" || !Number.isFinite(ms))
      throw new RangeError(`planAt needs epoch ms, got ${ms}`);
    const pieces = this.week(Math.floor((ms - WEEK_ORIGIN_MS) / WEEK_MS));
    let lo = 0;
    let hi = pieces.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (pieces[mid]!.start <= ms) lo = mid;
      else hi = mid - 1;
    }
    const piece = pieces[lo]!;
    this.last = piece;
    return piece;
  }

  shiftsBetween(from: EpochMs, to: EpochMs): ShiftInstance[] {
    if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) return [];
    const found: ShiftInstance[] = [];
    // A shift lasts at most 24 local hours, so one that reaches `from` started the day before at the earliest.
    const first = localDayNumber(from, this.timeZone) - 1;
    const lastDay = localDayNumber(to, this.timeZone);
    for (let n = first; n <= lastDay; n++) {
      for (const o of this.occurrences(n)) if (o.shift.end > from && o.shift.start < to) found.push(o.shift);
    }
    return found.sort((a, b) => a.start - b.start);
  }

  /**
   * The pieces of week `k` ([origin + kW, origin + (k+1)W)): shift pieces whole (the first and
   * last may reach into the neighbouring weeks), "off" pieces cut at the week's bounds.
   */
  private week(k: number): PlanPiece[] {
    const cached = this.weeks.get(k);
    if (cached) return cached;
    const a = WEEK_ORIGIN_MS + k * WEEK_MS;
    const b = a + WEEK_MS;
    const zone = this.timeZone;
    const occurrences: Occurrence[] = [];
    for (let n = localDayNumber(a, zone) - 1; n <= localDayNumber(b - 1, zone); n++) {
      for (const o of this.occurrences(n)) if (o.shift.end > a && o.shift.start < b) occurrences.push(o);
    }
    occurrences.sort((x, y) => x.shift.start - y.shift.start);
    const pieces: PlanPiece[] = [];
    let cursor = a;
    let prevEnd = Number.NEGATIVE_INFINITY;
    for (const o of occurrences) {
      if (o.shift.start > cursor)
        pieces.push(Object.freeze({ kind: "off", start: cursor, end: o.shift.start }));
      // occurrences() never overlap (the no-overlap rule); defensively, the earlier keeps any overlap.
      for (const p of this.shiftPieces(o)) {
        if (p.end <= prevEnd) continue;
        pieces.push(p.start < prevEnd ? Object.freeze({ ...p, start: prevEnd }) : p);
      }
      prevEnd = Math.max(prevEnd, o.shift.end);
      cursor = Math.max(cursor, prevEnd);
    }
    if (cursor < b) pieces.push(Object.freeze({ kind: "off", start: cursor, end: b }));
    const inWeek = pieces.filter((p) => p.end > a && p.start < b);
    return remember(this.weeks, k, inWeek, MAX_CACHED_WEEKS);
  }

  /** One shift occurrence cut at every break and planned downtime bound. */
  private shiftPieces(o: Occurrence): PlanPiece[] {
    const { start, end } = o.shift;
    const downtime = this.calendar.downtime.filter((d) => d.end > start && d.start < end);
    const cuts = new Set<number>([start, end]);
    for (const x of [...o.breaks, ...downtime]) {
      if (x.start > start && x.start < end) cuts.add(x.start);
      if (x.end > start && x.end < end) cuts.add(x.end);
    }
    const points = [...cuts].sort((x, y) => x - y);
    const pieces: PlanPiece[] = [];
    let open: { kind: "work" | "planned-down"; start: number; end: number; reason?: string } | undefined;
    const close = () => {
      if (!open) return;
      const piece: PlanPiece = { kind: open.kind, start: open.start, end: open.end, shift: o.shift };
      if (open.reason !== undefined) piece.reason = open.reason;
      pieces.push(Object.freeze(piece));
    };
    for (let i = 0; i + 1 < points.length; i++) {
      const p = points[i]!;
      const q = points[i + 1]!;
      // A break names the piece before planned downtime; among downtimes the first listed.
      const cause =
        o.breaks.find((x) => x.start <= p && p < x.end) ?? downtime.find((x) => x.start <= p && p < x.end);
      const kind = cause ? "planned-down" : "work";
      if (open && open.kind === kind && open.reason === cause?.name) {
        open.end = q;
        continue;
      }
      close();
      open = cause ? { kind, start: p, end: q, reason: cause.name } : { kind, start: p, end: q };
    }
    close();
    return pieces;
  }
}

// ---- summaries (the editor's preview) ---------------------------------------------------------

/** One shift occurrence with its real length and how much of it is planned down. */
export interface ShiftSummary {
  id: string;
  name: string;
  /** Local date "YYYY-MM-DD" on which the shift starts. */
  date: string;
  weekday: Weekday;
  start: EpochMs;
  end: EpochMs;
  /** Local "YYYY-MM-DD HH:MM +01:00" in the calendar's zone. */
  localStart: string;
  localEnd: string;
  /** Real length, end - start (7 h for a 22:00-06:00 shift over the spring clock change). */
  durationMs: number;
  workMs: number;
  plannedDownMs: number;
  plannedDown: Array<{ reason: string; localStart: string; localEnd: string; durationMs: number }>;
}

function localStamp(ms: EpochMs, zone: string): string {
  return `${formatLocal(ms, zone)} ${formatOffset(ms, zone)}`;
}

/** The shift occurrences that START in [from, to), with work and planned-down time from planAt. */
export function summarizeShifts(plan: Plan, from: EpochMs, to: EpochMs): ShiftSummary[] {
  const zone = plan.timeZone;
  return plan
    .shiftsBetween(from, to)
    .filter((s) => s.start >= from)
    .map((s) => {
      let workMs = 0;
      let plannedDownMs = 0;
      const plannedDown: ShiftSummary["plannedDown"] = [];
      for (let t = s.start; t < s.end; ) {
        const piece = plan.planAt(t);
        const end = Math.min(piece.end, s.end);
        if (piece.kind === "work") workMs += end - t;
        else if (piece.kind === "planned-down") {
          plannedDownMs += end - t;
          plannedDown.push({
            reason: piece.reason ?? "",
            localStart: localStamp(t, zone),
            localEnd: localStamp(end, zone),
            durationMs: end - t,
          });
        }
        t = end;
      }
      const day = localDayNumber(s.start, zone);
      return {
        id: s.id,
        name: s.name,
        date: formatDay(day),
        weekday: isoWeekday(day),
        start: s.start,
        end: s.end,
        localStart: localStamp(s.start, zone),
        localEnd: localStamp(s.end, zone),
        durationMs: s.end - s.start,
        workMs,
        plannedDownMs,
        plannedDown,
      };
    });
}

/** The instant local date "YYYY-MM-DD" begins in `zone` (plus `addDays`), or undefined for a bad date. */
export function startOfLocalDate(date: string, zone: string, addDays = 0): EpochMs | undefined {
  const n = parseDate(date);
  if (n === undefined) return undefined;
  return localMinuteToEpoch(zone, n + addDays, 0);
}

/** The local date "YYYY-MM-DD" of instant `ms` in `zone`. */
export function localDate(ms: EpochMs, zone: string): string {
  return formatDay(localDayNumber(ms, zone));
}
