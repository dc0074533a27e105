import type { JSONSchemaType } from "ajv";
import type { Node } from "node-red";
import type { CalendarConfig, Plan } from "../../lib/calendar/types";

/** The editor's `defaults` of mfg-shift-calendar (test/package checks that they match). */
export interface ShiftCalendarConfig extends CalendarConfig {
  name: string;
}

type Properties = JSONSchemaType<ShiftCalendarConfig>["properties"];

// Only the shape is checked here; lib/calendar compileCalendar checks every entry and names it
// (e.g. `shifts[1].start must be a time HH:MM (00:00..23:59), got "25:00"`).
const anyList = (value: unknown[]) => ({ type: "array", default: value });

export const configSchema: JSONSchemaType<ShiftCalendarConfig> = {
  type: "object",
  properties: {
    name: { type: "string", default: "" },
    timeZone: { type: "string", default: "" },
    shifts: anyList([]) as unknown as Properties["shifts"],
    holidays: anyList([]) as unknown as Properties["holidays"],
    exceptions: anyList([]) as unknown as Properties["exceptions"],
    plannedDowntime: anyList([]) as unknown as Properties["plannedDowntime"],
  },
  required: [],
  additionalProperties: true,
};

/**
 * What other nodes read from an mfg-shift-calendar config node, e.g. the OEE calculator:
 * `RED.nodes.getNode(id) as ShiftCalendarNode`.
 */
export interface ShiftCalendarNode extends Node {
  /** The compiled calendar; undefined when the configuration is invalid. */
  plan?: Plan;
  /** Why the calendar is invalid, naming the field (e.g. `shifts[0].end must be ...`). */
  problem?: string;
}
