/**
 * Contract of the shift calendar (lib/calendar). Pure: no clock reads, no timers, no I/O. Time
 * zones come from the runtime's Intl (IANA names, full ICU in Node 20); no extra dependency.
 *
 * Local wall-clock times that do not exist (spring-forward gap) or exist twice (fall-back) are
 * resolved like Temporal's "compatible" disambiguation: a time in the gap moves forward by the
 * gap's length, a repeated time takes the earlier instant. So a night shift 22:00-06:00 over a
 * change lasts 7 h (spring) or 9 h (autumn) of real time.
 */
import type { EpochMs } from "../types";

/** ISO 8601 weekday: 1 = Monday ... 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** A break or other planned downtime inside a shift, as local wall-clock times ("HH:MM"). */
export interface BreakDef {
  name: string;
  /** "HH:MM" local time; a time before the shift start means the next day (shift crosses midnight). */
  start: string;
  end: string;
}

/** A shift pattern: on these weekdays, from start to end local time. */
export interface ShiftDef {
  name: string;
  /** Weekdays on which the shift STARTS. */
  days: Weekday[];
  /** "HH:MM" local time. */
  start: string;
  /** "HH:MM" local time; end <= start means the shift ends the next day; "24:00" is midnight. */
  end: string;
  breaks: BreakDef[];
}

/** Planned downtime at a fixed date and time (maintenance window, meeting, trial). */
export interface PlannedDowntimeDef {
  name: string;
  /** Local date-time "YYYY-MM-DDTHH:MM" in the calendar's zone, or epoch ms. */
  start: string | number;
  end: string | number;
}

/** A date whose shifts differ from the weekly pattern. */
export interface CalendarException {
  /** Local date "YYYY-MM-DD" on which the replaced shifts START. */
  date: string;
  /** The shifts starting on that date instead of the pattern's ones; [] = no work that day. */
  shifts: Omit<ShiftDef, "days">[];
}

export interface CalendarConfig {
  /** IANA time zone, e.g. "Europe/Berlin". */
  timeZone: string;
  shifts: ShiftDef[];
  /** Local dates "YYYY-MM-DD" on which no shift starts. */
  holidays: string[];
  exceptions: CalendarException[];
  plannedDowntime: PlannedDowntimeDef[];
}

/** One occurrence of a shift. */
export interface ShiftInstance {
  /** Stable id: "<local start date> <shift name>", e.g. "2026-11-23 Night". */
  id: string;
  name: string;
  start: EpochMs;
  end: EpochMs;
}

/**
 * What the plan says about an instant, valid from `start` until `end` (exclusive): the next
 * boundary (shift start or end, break start or end, planned downtime start or end).
 */
export interface PlanPiece {
  /** "work": planned operation time; "planned-down": break or planned downtime inside a shift; "off": no shift. */
  kind: "work" | "planned-down" | "off";
  start: EpochMs;
  end: EpochMs;
  /** The shift occurrence containing the instant (kinds "work" and "planned-down"). */
  shift?: ShiftInstance;
  /** Name of the break or planned downtime (kind "planned-down"). */
  reason?: string;
}

/**
 * A compiled calendar. Implemented by lib/calendar/calendar.ts (`compileCalendar`). The OEE
 * reducer only needs `planAt`.
 */
export interface Plan {
  readonly timeZone: string;
  /** The piece of the plan that contains `ms`. Pieces tile the time line without gaps or overlaps. */
  planAt(ms: EpochMs): PlanPiece;
  /** Shift occurrences that overlap [from, to), in time order. */
  shiftsBetween(from: EpochMs, to: EpochMs): ShiftInstance[];
}
