/**
 * Time-zone arithmetic with the runtime's Intl only (IANA zones from ICU, no dependency).
 *
 * epoch -> local wall clock: Intl.DateTimeFormat in the zone. local wall clock -> epoch: the
 * instants whose offset matches, with Temporal's "compatible" disambiguation (TC39 Temporal,
 * ZonedDateTime `disambiguation: "compatible"`): a local time in a gap (spring forward) moves
 * forward by the gap's length; a local time that exists twice (fall back) takes the earlier
 * instant. Pure: no clock reads.
 */

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** Local wall-clock fields; month 1..12. */
export interface LocalFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

// One formatter per zone: creating one costs far more than formatting with it.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * The runtime's canonical name of an IANA zone (case-insensitive input, e.g. "europe/berlin" ->
 * "Europe/Berlin"), or undefined when the runtime does not know it.
 */
export function canonicalTimeZone(name: string): string | undefined {
  if (typeof name !== "string" || name.trim() === "") return undefined;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: name.trim() }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

// en-US with 2-digit fields: "03/29/2026, 03:30:00" (format() is about 3x faster than formatToParts).
const FORMATTED = /^(\d{2})\/(\d{2})\/(\d+),? (\d{2}):(\d{2}):(\d{2})$/;

/** The wall-clock fields of instant `ms` in `zone` (a zone accepted by canonicalTimeZone). */
export function localFields(ms: number, zone: string): LocalFields {
  const text = formatter(zone).format(ms);
  const m = FORMATTED.exec(text);
  if (!m) throw new RangeError(`cannot read local time ${JSON.stringify(text)} of ${ms} in ${zone}`);
  const hour = Number(m[4]);
  return {
    year: Number(m[3]),
    month: Number(m[1]),
    day: Number(m[2]),
    // Some ICU versions wrote midnight as 24 with hour12: false; h23 should not, but be safe.
    hour: hour === 24 ? 0 : hour,
    minute: Number(m[5]),
    second: Number(m[6]),
  };
}

/** Date.UTC that also takes years 0..99 literally (Date.UTC maps them to 1900..1999). */
export function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const t = Date.UTC(year, month - 1, day, hour, minute, second);
  if (year >= 0 && year < 100) return new Date(t).setUTCFullYear(year);
  return t;
}

/** The zone's offset from UTC at instant `ms`, in ms (local = ms + offset). */
export function offsetAt(ms: number, zone: string): number {
  const f = localFields(ms, zone);
  const whole = Math.floor(ms / 1000) * 1000;
  return utc(f.year, f.month, f.day, f.hour, f.minute, f.second) - whole;
}

/**
 * The instant of a local wall-clock time in `zone`, Temporal "compatible": in a gap the time
 * moves forward by the gap's length (Europe/Berlin 2026-03-29 02:30 -> 03:30 CEST); a repeated
 * time is its earlier instant (2026-10-25 02:30 -> 02:30 CEST, not CET).
 *
 * Not order-preserving across a gap: 02:30 -> 03:30 CEST lies after 03:00 -> 03:00 CEST although
 * it is earlier on the clock (elsewhere the order is kept, ties included). Callers that need
 * intervals apart on the clock to stay apart in real time must clamp (lib/calendar/calendar.ts).
 */
export function localToEpoch(
  zone: string,
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
): number {
  const wall = utc(year, month, day, hour, minute, second);
  // Offsets a day before and after cover every zone with at most one transition in two days.
  const before = offsetAt(wall - DAY_MS, zone);
  const after = offsetAt(wall + DAY_MS, zone);
  let best: number | undefined;
  for (const offset of before === after ? [before] : [before, after]) {
    const instant = wall - offset;
    if (offsetAt(instant, zone) === offset && (best === undefined || instant < best)) best = instant;
  }
  if (best !== undefined) return best;
  // Gap: read the wall time with the offset in force before it, i.e. forward by the gap.
  return wall - before;
}

/** Days since 1970-01-01 of a calendar date (the "day number" used for caching). */
export function dayNumber(year: number, month: number, day: number): number {
  return Math.floor(utc(year, month, day) / DAY_MS);
}

/** The calendar date of a day number. */
export function dayDate(n: number): { year: number; month: number; day: number } {
  const d = new Date(n * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** ISO weekday (1 = Monday .. 7 = Sunday) of a day number (1970-01-01 was a Thursday). */
export function isoWeekday(n: number): 1 | 2 | 3 | 4 | 5 | 6 | 7 {
  return (((((n + 3) % 7) + 7) % 7) + 1) as 1 | 2 | 3 | 4 | 5 | 6 | 7;
}

/** The local day number of instant `ms` in `zone`. */
export function localDayNumber(ms: number, zone: string): number {
  const f = localFields(ms, zone);
  return dayNumber(f.year, f.month, f.day);
}

/** The instant of local minute `minuteOfDay` (may exceed 1440: following days) of day number `n`. */
export function localMinuteToEpoch(zone: string, n: number, minuteOfDay: number): number {
  const day = n + Math.floor(minuteOfDay / 1440);
  const minute = ((minuteOfDay % 1440) + 1440) % 1440;
  const d = dayDate(day);
  return localToEpoch(zone, d.year, d.month, d.day, Math.floor(minute / 60), minute % 60);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** "YYYY-MM-DD" of a day number. */
export function formatDay(n: number): string {
  const d = dayDate(n);
  return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;
}

/** Local "YYYY-MM-DD HH:MM" of instant `ms` in `zone`. */
export function formatLocal(ms: number, zone: string): string {
  const f = localFields(ms, zone);
  return `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)} ${pad(f.hour)}:${pad(f.minute)}`;
}

/** The zone's UTC offset at `ms` as "+01:00" / "-05:00". */
export function formatOffset(ms: number, zone: string): string {
  const minutes = Math.round(offsetAt(ms, zone) / MINUTE_MS);
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
