// Machine states and OEE end to end: the line simulator (a real node-opcua server in this process)
// -> mfg-machine-connector over OPC UA -> mfg-state-classifier (PackML) -> mfg-oee-calculator.
// The expectations come from the PackML state machine (shared/reference/state-models.json) and
// from the StateChanges and samples the flow itself received, never from the reducers' code.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { MachineSample, OeeReport, StateChange, TimeElement } from "../../lib/types";
import { validate } from "../../lib/validate";
import { freePort } from "../../scripts/services";
import { type LineSimulator, nodeIdOf, startLineSimulator } from "../../sim/server";
import {
  assetNode,
  catchNode,
  collect,
  helper,
  machineConnectorNode,
  nextMessage,
  oeeCalculatorNode,
  opcuaEndpointNode,
  stateClassifierNode,
  tempDir,
} from "../support/node-red";
import { until } from "../support/wait";

type Msg = Record<string, unknown> & { topic?: string; payload: unknown };

const MACHINES = ["Filler", "Capper", "Labeler"] as const;
const TAGS = ["StateCurrent", "StopReason", "GoodCount", "RejectCount", "IdealCycleTimeS"] as const;

const models = JSON.parse(
  readFileSync(join(__dirname, "..", "..", "..", "shared", "reference", "state-models.json"), "utf8"),
) as { packml_flat: { transitions: Array<{ from: string; to: string; cmd: string }> } };
/** Every legal PackML transition "From>To" (ISA-TR88.00.02 / OPC 30050, flattened). */
const LEGAL = new Set(models.packml_flat.transitions.map((t) => `${t.from}>${t.to}`));

function flow(endpointUrl: string) {
  const nodes: Array<Record<string, unknown>> = [
    { id: "tab", type: "tab", label: "line" },
    {
      id: "endpoint",
      type: "mfg-opcua-endpoint",
      endpointUrl,
      securityMode: "None",
      securityPolicy: "None",
      identity: "anonymous",
      publishingIntervalMs: 100,
      reconnectMaxDelayMs: 1000,
    },
    { id: "errors-in", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["errors"]] },
    { id: "errors", type: "helper", z: "tab" },
  ];
  for (const m of MACHINES) {
    nodes.push(
      {
        id: `asset-${m}`,
        type: "mfg-asset",
        site: "demo-plant",
        area: "packaging",
        line: "line-1",
        machine: m,
      },
      {
        id: `conn-${m}`,
        type: "mfg-machine-connector",
        z: "tab",
        asset: `asset-${m}`,
        source: "opcua",
        endpoint: "endpoint",
        tags: TAGS.map((t) => ({ name: t, address: nodeIdOf(m, t), type: "auto" })),
        samplingIntervalMs: 50,
        queueSize: 10,
        output: "change",
        staleAfterMs: 0,
        wires: [[`cls-${m}`, `oee-${m}`, `samples-${m}`], []],
      },
      {
        id: `cls-${m}`,
        type: "mfg-state-classifier",
        z: "tab",
        model: "packml",
        stateTag: "StateCurrent",
        reasonTag: "StopReason",
        minDurationMs: 0,
        microStopMs: 120_000,
        wires: [[`oee-${m}`, `states-${m}`]],
      },
      {
        id: `oee-${m}`,
        type: "mfg-oee-calculator",
        z: "tab",
        shiftWindow: false,
        orderWindow: false,
        rollingMs: 3_600_000,
        interimMs: 0,
        graceMs: 3000,
        counterMode: "good-reject",
        goodTag: "GoodCount",
        rejectTag: "RejectCount",
        idealCycleTimeTag: "IdealCycleTimeS",
        // the simulator runs 20x faster than real time, so parts come 20x faster than PRI allows
        maxRateFactor: 50,
        wires: [[`reports-${m}`], [`oee-events-${m}`]],
      },
      { id: `samples-${m}`, type: "helper", z: "tab" },
      { id: `states-${m}`, type: "helper", z: "tab" },
      { id: `reports-${m}`, type: "helper", z: "tab" },
      { id: `oee-events-${m}`, type: "helper", z: "tab" },
    );
  }
  return nodes;
}

/** ms of [from, to) each element got, from the StateChanges alone. */
function elementTimes(changes: StateChange[], from: number, to: number): Record<TimeElement, number> {
  const out: Record<TimeElement, number> = { APT: 0, AUST: 0, ADET: 0, ADOT: 0, PDOT: 0, NONE: 0 };
  changes.forEach((c, i) => {
    const end = Math.min(changes[i + 1]?.ts ?? to, to);
    const start = Math.max(c.ts, from);
    if (end > start) out[c.timeElement ?? "NONE"] += end - start;
  });
  return out;
}

describe("states and OEE end to end: simulator -> OPC UA connector -> PackML classifier -> OEE", function () {
  this.timeout(150_000);
  let sim: LineSimulator | undefined;
  const pki = tempDir("mes-oee-line-pki-");

  before(() => helper.settings({ mfgOpcuaPkiDir: pki.dir }));
  after(async () => {
    await helper.unload();
    await sim?.stop();
    helper.settings({});
    pki.remove();
  });

  it("PackML transitions, stops and ISO 22400 times agree with what the machines did", async () => {
    // speed 20: a random stop about every 18 s of wall time per machine; every state lasts >= 2 ticks
    sim = await startLineSimulator({ port: await freePort(), speed: 20, tickMs: 100, seed: 3 });
    await helper.load(
      [assetNode, opcuaEndpointNode, machineConnectorNode, stateClassifierNode, oeeCalculatorNode, catchNode],
      flow(sim.endpointUrl),
    );
    const seen = Object.fromEntries(
      MACHINES.map((m) => [
        m,
        {
          samples: collect(helper.getNode(`samples-${m}`) as never) as unknown as Msg[],
          states: collect(helper.getNode(`states-${m}`) as never) as unknown as Msg[],
          events: collect(helper.getNode(`oee-events-${m}`) as never) as unknown as Msg[],
        },
      ]),
    );
    const errors = collect(helper.getNode("errors") as never) as unknown as Msg[];
    const changesOf = (m: string) =>
      (seen[m]?.states ?? []).map((x) => x.payload as StateChange).filter((c) => !c.recode);
    // until every machine has been stopped and is producing again (bounded)
    const returns = (m: string) => changesOf(m).filter((c) => c.stopDurationMs !== undefined).length;
    await until(
      () => MACHINES.every((m) => returns(m) >= 1),
      120_000,
      "a stop and a restart on every machine",
      () =>
        MACHINES.map(
          (m) =>
            `${m}: ${changesOf(m)
              .map((c) => c.state)
              .join(" ")}`,
        ).join("\n"),
    );
    assert.deepEqual(errors, [], "nothing reached Catch");

    for (const m of MACHINES) {
      const changes = changesOf(m);
      for (const c of changes)
        assert.ok(validate("StateChange", c).ok, `${m}: StateChange follows the contract`);
      let stopStart: number | undefined;
      let stopElements: TimeElement[] = [];
      changes.forEach((c, i) => {
        const prev = changes[i - 1];
        if (prev) {
          assert.ok(
            LEGAL.has(`${prev.state}>${c.state}`),
            `${m}: ${prev.state} -> ${c.state} is a PackML transition`,
          );
          assert.equal(c.previousState, prev.state, `${m}: previousState`);
          assert.equal(
            c.previousDurationMs,
            c.ts - prev.ts,
            `${m}: previousDurationMs is the time between changes`,
          );
        }
        if (c.state === "Execute") {
          assert.equal(c.timeElement, "APT", `${m}: Execute is APT`);
          assert.equal(c.stopStart, undefined, `${m}: production has no stop`);
          if (stopStart !== undefined) {
            assert.equal(
              c.stopDurationMs,
              c.ts - stopStart,
              `${m}: stop duration from leaving to re-entering Execute`,
            );
          }
          stopStart = undefined;
          stopElements = [];
          return;
        }
        if (prev?.state === "Execute") stopStart = c.ts;
        if (stopStart !== undefined) {
          assert.equal(
            c.stopStart,
            stopStart,
            `${m}: ${c.state} belongs to the stop that began at ${stopStart}`,
          );
          stopElements.push(c.timeElement as TimeElement);
          // the state that ended production decides the stop's element through the acting states
          assert.equal(
            new Set(stopElements).size,
            1,
            `${m}: one element per stop, got ${stopElements.join(",")}`,
          );
          const first = changes.find((x) => x.ts === stopStart) as StateChange;
          const expected = ["Completing", "Complete"].includes(first.state) ? "AUST" : "ADET";
          assert.equal(
            c.timeElement,
            expected,
            `${m}: ${c.state} after ${first.state} counts as ${expected}`,
          );
        }
      });
    }

    // The OEE of the last hour, asked for now, against the machine's own StateChanges and counters.
    for (const m of MACHINES) {
      const oee = helper.getNode(`oee-${m}`) as unknown as { receive(msg: object): void };
      const reply = nextMessage(helper.getNode(`reports-${m}`) as never, 10_000);
      oee.receive({ topic: "report", payload: null });
      const report = (await reply).payload as unknown as OeeReport;
      assert.ok(validate("OeeReport", report).ok, `${m}: OeeReport follows the contract`);
      assert.equal(report.window.type, "rolling");
      const changes = changesOf(m);
      const first = changes[0] as StateChange;
      const from = Math.max(report.window.start, first.ts);
      const t = report.times;
      const expected = elementTimes(changes, from, report.window.end);
      assert.deepEqual(
        { apt: t.aptMs, aust: t.austMs, adet: t.adetMs, adot: t.adotMs, pdot: t.pdotMs },
        {
          apt: expected.APT,
          aust: expected.AUST,
          adet: expected.ADET,
          adot: expected.ADOT,
          pdot: expected.PDOT,
        },
        `${m}: every ms from the first state to the report is in the element of the state the machine was in`,
      );
      assert.equal(t.pbtMs, report.window.end - from, `${m}: no calendar, so all of it is planned busy time`);
      // parts: the counter steps the flow received (samples carry the tags that changed; a step
      // down is an order change, where the simulator resets its counters to zero)
      const last: Record<string, number> = {};
      let produced = 0;
      for (const s of (seen[m]?.samples ?? []).map((x) => x.payload as MachineSample)) {
        for (const tag of ["GoodCount", "RejectCount"]) {
          const v = s.values[tag]?.value;
          if (typeof v !== "number") continue;
          const before = last[tag];
          if (before !== undefined && s.ts >= first.ts && s.ts <= report.window.end) {
            produced += v >= before ? v - before : v;
          }
          last[tag] = v;
        }
      }
      assert.ok(produced > 0, `${m}: the machine produced parts`);
      const implausible = (seen[m]?.events ?? []).filter(
        (e) => (e.payload as { event: string }).event === "counterImplausible",
      );
      assert.deepEqual(implausible, [], `${m}: no counter step was refused as implausible`);
      assert.equal(report.counts.pq, produced, `${m}: PQ = the counter steps seen`);
      assert.ok(report.counts.gq <= report.counts.pq, `${m}: GQ <= PQ`);
      const pri = report.idealCycleTimeS;
      assert.ok(pri >= 1 && pri <= 3, `${m}: PRI from the IdealCycleTimeS tag (1..3 s), got ${pri}`);
      // ISO 22400-2: OEE = A x E x Q = PRI x GQ / PBT (one product in the window)
      assert.ok(
        Math.abs(
          (report.oee ?? 0) - (report.availability ?? 0) * (report.performance ?? 0) * (report.quality ?? 0),
        ) < 1e-12,
        `${m}: OEE = A x P x Q`,
      );
    }
  });
});
