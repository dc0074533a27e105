/**
 * mfg-shift-calendar: shifts, breaks, holidays, exceptions and planned downtime in the plant's
 * time zone, compiled once by lib/calendar into a Plan that other nodes (the OEE calculator) read.
 */
import type { NodeAPI, NodeDef } from "node-red";
import { compileCalendar, localDate, startOfLocalDate, summarizeShifts } from "../../lib/calendar/calendar";
import { formatErrors, makeConfigValidator } from "../../lib/validate";
import { configSchema, type ShiftCalendarConfig, type ShiftCalendarNode } from "./config";

const parseConfig = makeConfigValidator<ShiftCalendarConfig>(configSchema);

/** Preview length, days: default and most. */
const PREVIEW_DAYS = 14;
const PREVIEW_MAX_DAYS = 62;

export = (RED: NodeAPI) => {
  function ShiftCalendarConfigNode(this: ShiftCalendarNode, def: NodeDef & Partial<ShiftCalendarConfig>) {
    RED.nodes.createNode(this, def);
    const config = parseConfig({ ...def });
    const compiled = config.ok ? compileCalendar(config.value) : config;
    if (compiled.ok) {
      this.plan = compiled.plan;
    } else {
      this.problem = formatErrors(compiled.errors, "");
      this.error(RED._("shift-calendar.errors.invalid", { problem: this.problem }));
    }
  }
  RED.nodes.registerType("mfg-shift-calendar", ShiftCalendarConfigNode);

  // The editor's preview: the calendar as the editor holds it now (not yet deployed), compiled
  // by the same code as at deploy, and its shifts from `from` (a local date, default today in the
  // calendar's zone) for `days` days, each with its real length. Body: {config, from?, days?}.
  RED.httpAdmin.post(
    "/mfg-shift-calendar/preview",
    RED.auth.needsPermission("mfg-shift-calendar.read"),
    (req, res) => {
      const body = (req.body ?? {}) as { config?: unknown; from?: unknown; days?: unknown };
      if (typeof body.config !== "object" || body.config === null || Array.isArray(body.config)) {
        res.status(400).json({ message: "config must be the calendar as the editor holds it" });
        return;
      }
      const days = body.days === undefined || body.days === "" ? PREVIEW_DAYS : Number(body.days);
      if (!Number.isInteger(days) || days < 1 || days > PREVIEW_MAX_DAYS) {
        res.status(400).json({ message: `days must be a whole number 1..${PREVIEW_MAX_DAYS}` });
        return;
      }
      const compiled = compileCalendar(body.config);
      if (!compiled.ok) {
        res.json({ errors: compiled.errors, problem: formatErrors(compiled.errors, "") });
        return;
      }
      const zone = compiled.plan.timeZone;
      const from =
        typeof body.from === "string" && body.from !== "" ? body.from : localDate(Date.now(), zone);
      const start = startOfLocalDate(from, zone);
      const end = startOfLocalDate(from, zone, days);
      if (start === undefined || end === undefined) {
        res.status(400).json({ message: `from must be a date YYYY-MM-DD, got ${JSON.stringify(body.from)}` });
        return;
      }
      res.json({ timeZone: zone, from, days, shifts: summarizeShifts(compiled.plan, start, end) });
    },
  );
};
