// mfg-shift-calendar (config node): compiles the calendar for other nodes, names a wrong field,
// and answers the editor's preview.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { DEFAULT_SHIFTS } from "../../lib/calendar/calendar";
import type { ShiftDef } from "../../lib/calendar/types";
import type { ShiftCalendarNode } from "../../nodes/shift-calendar/config";
import { helper, shiftCalendarNode } from "../support/node-red";

const H = 3_600_000;

function calendar(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "cal",
    type: "mfg-shift-calendar",
    name: "Berlin",
    timeZone: "Europe/Berlin",
    shifts: DEFAULT_SHIFTS,
    holidays: [],
    exceptions: [],
    plannedDowntime: [],
    ...extra,
  };
}

describe("mfg-shift-calendar (config node)", () => {
  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  afterEach(() => helper.unload());

  it("compiles a valid calendar and exposes its plan", async () => {
    await helper.load([shiftCalendarNode], [calendar()]);
    const node = helper.getNode("cal") as unknown as ShiftCalendarNode;
    assert.equal(node.problem, undefined, "no problem");
    assert.ok(node.plan, "a plan");
    assert.equal(node.plan.timeZone, "Europe/Berlin");
    // Wednesday 2026-06-03 10:15 CEST (08:15Z): the Early shift's break 10:00-10:30.
    const piece = node.plan.planAt(Date.UTC(2026, 5, 3, 8, 15));
    assert.deepEqual(
      [piece.kind, piece.reason, piece.start, piece.end, piece.shift?.id],
      ["planned-down", "Break", Date.UTC(2026, 5, 3, 8), Date.UTC(2026, 5, 3, 8, 30), "2026-06-03 Early"],
    );
  });

  it("names the wrong field, logs it and has no plan", async () => {
    const shifts = structuredClone(DEFAULT_SHIFTS);
    shifts[1]!.start = "25:00";
    await helper.load([shiftCalendarNode], [calendar({ shifts })]);
    const node = helper.getNode("cal") as unknown as ShiftCalendarNode;
    assert.equal(node.plan, undefined);
    assert.equal(node.problem, 'shifts[1].start must be a time HH:MM (00:00..23:59), got "25:00"');
    const logged = helper.log().args.map((a) => a[0] as { level: number; msg: unknown });
    assert.ok(
      logged.some((e) => e.level === 20 && e.msg === `Invalid shift calendar: ${node.problem}`),
      `an error log line: ${JSON.stringify(logged.map((e) => e.msg))}`,
    );
  });

  it("refuses a missing time zone", async () => {
    const flow = calendar();
    delete flow.timeZone;
    await helper.load([shiftCalendarNode], [flow]);
    const node = helper.getNode("cal") as unknown as ShiftCalendarNode;
    assert.match(String(node.problem), /^timeZone must be an IANA time zone name/);
  });

  it("POST /mfg-shift-calendar/preview lists the shifts with their real lengths, or the field errors", async () => {
    await helper.load([shiftCalendarNode], [calendar()]);
    const config = {
      timeZone: "Europe/Berlin",
      shifts: [
        { name: "Night", days: [6], start: "22:00", end: "06:00", breaks: [] },
        { name: "Early", days: [7], start: "06:00", end: "14:00", breaks: [] },
      ] satisfies ShiftDef[],
      holidays: [],
      exceptions: [],
      plannedDowntime: [],
    };
    const ok = await helper
      .request()
      .post("/mfg-shift-calendar/preview")
      .send({ config, from: "2026-10-24", days: 2 });
    assert.equal(ok.status, 200, ok.text);
    const body = ok.body as {
      timeZone: string;
      shifts: Array<{ id: string; durationMs: number; localStart: string; localEnd: string }>;
    };
    assert.equal(body.timeZone, "Europe/Berlin");
    // Autumn change on Sunday 2026-10-25: the Saturday night lasts 9 h, Sunday's early shift 8 h.
    assert.deepEqual(
      body.shifts.map((s) => [s.id, s.durationMs / H, s.localStart, s.localEnd]),
      [
        ["2026-10-24 Night", 9, "2026-10-24 22:00 +02:00", "2026-10-25 06:00 +01:00"],
        ["2026-10-25 Early", 8, "2026-10-25 06:00 +01:00", "2026-10-25 14:00 +01:00"],
      ],
    );

    const today = await helper.request().post("/mfg-shift-calendar/preview").send({ config });
    assert.equal(today.status, 200, today.text);
    assert.ok(
      (today.body as { shifts: unknown[] }).shifts.length === 4,
      "14 days from today hold two Saturday nights and two Sunday mornings",
    );

    const bad = await helper
      .request()
      .post("/mfg-shift-calendar/preview")
      .send({ config: { ...config, timeZone: "Berlin" } });
    assert.equal(bad.status, 200, bad.text);
    const errors = (bad.body as { errors: Array<{ field: string; message: string }> }).errors;
    assert.equal(errors[0]?.field, "timeZone");
    assert.match(String(errors[0]?.message), /must be an IANA time zone name/);

    const none = await helper.request().post("/mfg-shift-calendar/preview").send({});
    assert.equal(none.status, 400, "no config");
    const badFrom = await helper.request().post("/mfg-shift-calendar/preview").send({ config, from: "soon" });
    assert.equal(badFrom.status, 400, "bad from");
    assert.match(String((badFrom.body as { message?: string }).message), /from must be a date YYYY-MM-DD/);
  });

  it("the editor's default shifts are lib/calendar's DEFAULT_SHIFTS", () => {
    const html = readFileSync(
      join(__dirname, "..", "..", "nodes", "shift-calendar", "shift-calendar.html"),
      "utf8",
    );
    const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "";
    let defaults: Record<string, { value: unknown }> = {};
    runInNewContext(script, {
      RED: {
        nodes: {
          registerType: (_t: string, def: { defaults: Record<string, { value: unknown }> }) => {
            defaults = def.defaults;
          },
        },
      },
    });
    assert.deepEqual(JSON.parse(JSON.stringify(defaults.shifts?.value)), DEFAULT_SHIFTS);
    assert.equal(typeof defaults.timeZone?.value, "string", "the browser's zone");
  });
});
