// mfg-machine-connector over OPC UA against the line simulator (a real node-opcua server in this
// process): one session for three connectors, quality and source timestamps, the server stopped
// and started under the connectors, the watchdog, writes, refused items and bad configuration.
import assert from "node:assert/strict";
import type { MachineSample } from "../../lib/types";
import { validate } from "../../lib/validate";
import { freePort } from "../../scripts/services";
import { type LineSimulator, nodeIdOf, SETPOINT_NODE_ID, startLineSimulator } from "../../sim/server";
import {
  assetNode,
  catchNode,
  collect,
  helper,
  machineConnectorNode,
  opcuaEndpointNode,
  tempDir,
} from "../support/node-red";
import { until } from "../support/wait";

type Msg = Record<string, unknown> & { topic?: string; payload: Record<string, unknown> };
const MACHINES = ["Filler", "Capper", "Labeler"] as const;
const VARIABLES = ["StateCurrent", "GoodCount", "Speed", "VibrationRms", "ProductId"] as const;

function tagsOf(machine: string, extra: Array<Record<string, unknown>> = []) {
  return [...VARIABLES.map((v) => ({ name: v, address: nodeIdOf(machine, v), type: "auto" })), ...extra];
}

function flow(endpointUrl: string, connectors: Array<Record<string, unknown>>) {
  const nodes: Array<Record<string, unknown>> = [
    { id: "tab", type: "tab", label: "t" },
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
    { id: "catcher", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["caught"]] },
    { id: "caught", type: "helper", z: "tab" },
  ];
  for (const c of connectors) {
    const id = String(c.id);
    nodes.push(
      {
        id: `asset-${id}`,
        type: "mfg-asset",
        site: "demo-plant",
        area: "packaging",
        line: "line-1",
        machine: id,
      },
      {
        type: "mfg-machine-connector",
        z: "tab",
        asset: `asset-${id}`,
        source: "opcua",
        endpoint: "endpoint",
        samplingIntervalMs: 50,
        queueSize: 10,
        output: "change",
        staleAfterMs: 0,
        wires: [[`samples-${id}`], [`events-${id}`]],
        ...c,
        id: `conn-${id}`,
      },
      { id: `samples-${id}`, type: "helper", z: "tab" },
      { id: `events-${id}`, type: "helper", z: "tab" },
    );
  }
  return nodes;
}

const nodes = [assetNode, opcuaEndpointNode, machineConnectorNode, catchNode];

function watch(id: string) {
  return {
    samples: collect(helper.getNode(`samples-${id}`) as never) as unknown as Msg[],
    events: collect(helper.getNode(`events-${id}`) as never) as unknown as Msg[],
  };
}

const sample = (m: Msg) => m.payload as unknown as MachineSample;

describe("mfg-machine-connector over OPC UA (line simulator)", function () {
  this.timeout(60_000);
  let sim: LineSimulator | undefined;
  let port: number;
  const pki = tempDir("mes-opcua-pki-");

  before(async () => {
    port = await freePort();
    helper.settings({ mfgOpcuaPkiDir: pki.dir });
  });
  afterEach(async () => {
    await helper.unload();
    await sim?.stop();
    sim = undefined;
  });
  after(() => {
    helper.settings({});
    pki.remove();
  });

  it("three connectors on one endpoint share ONE session; samples carry quality, status code and source time", async () => {
    sim = await startLineSimulator({ port, tickMs: 50 });
    await helper.load(
      nodes,
      flow(
        sim.endpointUrl,
        MACHINES.map((m) => ({ id: m, tags: tagsOf(m) })),
      ),
    );
    const watched = MACHINES.map((m) => watch(m));
    for (const [i, m] of MACHINES.entries()) {
      await until(() => watched[i]?.samples.length, 15_000, `a sample from ${m}`);
    }
    assert.equal(sim.sessionCount(), 1, "one session for three connectors");
    assert.equal(sim.monitoredItemCount(), MACHINES.length * VARIABLES.length, "one monitored item per tag");
    const first = watched[0]?.samples[0] as Msg;
    assert.equal(first.topic, "demo-plant/packaging/line-1/Filler");
    assert.ok(validate("MachineSample", first.payload).ok, "contract");
    const speed = await until(
      () => watched[0]?.samples.map(sample).find((s) => s.values.Speed)?.values.Speed,
      10_000,
      "a Speed value",
    );
    assert.equal(speed.quality, "Good");
    assert.equal(speed.qualityCode, 0);
    assert.equal(typeof speed.value, "number");
    assert.ok(
      typeof speed.sourceTs === "number" && Math.abs(speed.sourceTs - Date.now()) < 60_000,
      "source time is now-ish",
    );
  });

  it("server stopped and started: values stale at once, then samples resume with each item exactly once", async () => {
    sim = await startLineSimulator({ port, tickMs: 50 });
    await helper.load(
      nodes,
      flow(
        sim.endpointUrl,
        MACHINES.map((m) => ({ id: m, tags: tagsOf(m) })),
      ),
    );
    const watched = MACHINES.map((m) => watch(m));
    const filler = watched[0] as ReturnType<typeof watch>;
    await until(() => filler.samples.length > 2, 15_000, "samples before the restart");
    await sim.stop();
    const down = await until(
      () => filler.events.find((e) => e.payload.event === "stale" && e.payload.reason === "disconnected"),
      20_000,
      "a stale event when the server went away",
      () => JSON.stringify(filler.events.map((e) => e.payload)),
    );
    assert.equal(down.payload.count, VARIABLES.length);
    const staleSample = filler.samples.map(sample).find((s) => s.stale);
    assert.ok(staleSample, "a sample marking the last values stale");
    assert.ok(
      Object.values(staleSample.values).every((v) => v.stale === true),
      "every value is marked stale",
    );
    assert.ok(
      filler.events.some((e) => e.payload.event === "disconnected" || e.payload.event === "connecting"),
    );

    const mark = filler.samples.length;
    sim = await startLineSimulator({ port, tickMs: 50 });
    const restarted = sim;
    await until(
      () =>
        filler.events.some(
          (e) => e.payload.event === "connected" && filler.events.indexOf(e) > filler.events.indexOf(down),
        ),
      30_000,
      "connected again",
      () => JSON.stringify(filler.events.map((e) => e.payload)),
    );
    await until(() => filler.samples.length > mark + 5, 15_000, "samples after the restart");
    assert.equal(restarted.sessionCount(), 1, "still one session");
    assert.equal(
      restarted.monitoredItemCount(),
      MACHINES.length * VARIABLES.length,
      "monitored items came back exactly once",
    );
    const fresh = filler.samples
      .slice(mark)
      .map(sample)
      .filter((s) => !s.stale);
    assert.ok(fresh.length > 0, "fresh samples after the restart");
    // A duplicate subscription would deliver each change twice: same tag, same source time.
    const seen = new Set<string>();
    for (const s of fresh) {
      for (const [tag, v] of Object.entries(s.values)) {
        const key = `${tag}@${v.sourceTs}@${JSON.stringify(v.value)}`;
        assert.ok(!seen.has(key), `change delivered twice: ${key}`);
        seen.add(key);
      }
    }
    assert.ok(
      filler.events.some((e) => e.payload.event === "fresh"),
      "a fresh event after the restart",
    );
  });

  it("watchdog: a tag that receives nothing for longer than its staleMs is reported stale", async () => {
    sim = await startLineSimulator({ port, tickMs: 50 });
    // ProductId only changes with the order; with a 400 ms limit it goes stale.
    await helper.load(
      nodes,
      flow(sim.endpointUrl, [
        {
          id: "Filler",
          tags: [
            { name: "ProductId", address: nodeIdOf("Filler", "ProductId"), type: "String", staleMs: 400 },
            { name: "Speed", address: nodeIdOf("Filler", "Speed"), type: "Double" },
          ],
        },
      ]),
    );
    const { samples, events } = watch("Filler");
    const stale = await until(
      () => events.find((e) => e.payload.event === "stale"),
      10_000,
      "a stale event",
      () => JSON.stringify(events.map((e) => e.payload)),
    );
    assert.equal(stale.payload.reason, "watchdog");
    assert.deepEqual(stale.payload.tags, ["ProductId"]);
    const s = samples.map(sample).find((x) => x.stale);
    assert.equal(s?.values.ProductId?.stale, true, "the sample marks ProductId stale");
    assert.equal(s?.values.Speed, undefined, "a change-mode stale sample holds only the stale tag");
  });

  it("writes a tag (OPC UA Write) and reports the status code; the monitored value follows", async () => {
    sim = await startLineSimulator({ port, tickMs: 50, writable: true });
    await helper.load(
      nodes,
      flow(sim.endpointUrl, [
        {
          id: "Line",
          tags: [{ name: "Setpoint", address: SETPOINT_NODE_ID, type: "Double", scale: 0.5, offset: 1 }],
        },
      ]),
    );
    const { samples, events } = watch("Line");
    await until(() => samples.length > 0, 15_000, "the initial Setpoint");
    const conn = connector("Line");
    conn.receive({ payload: { Setpoint: 31 } });
    const write = await until(() => events.find((e) => e.payload.event === "write"), 10_000, "a write event");
    assert.deepEqual(write.payload.results, [{ tag: "Setpoint", value: 31, status: "Good" }]);
    const after = await until(
      () => samples.map(sample).find((s) => s.values.Setpoint?.value === 31),
      10_000,
      "the written value read back as 31 (raw 60 x 0.5 + 1)",
      () => JSON.stringify(samples.map((s) => s.payload)),
    );
    assert.equal(after.values.Setpoint?.quality, "Good");
  });

  it("a NodeId the server does not know: itemError naming the tag, the other tags keep flowing", async () => {
    sim = await startLineSimulator({ port, tickMs: 50 });
    await helper.load(
      nodes,
      flow(sim.endpointUrl, [
        {
          id: "Filler",
          tags: [
            { name: "Ghost", address: "ns=1;s=Line.Filler.NoSuchVariable", type: "Double" },
            { name: "Speed", address: nodeIdOf("Filler", "Speed"), type: "Double" },
          ],
        },
      ]),
    );
    const { samples, events } = watch("Filler");
    const err = await until(
      () => events.find((e) => e.payload.event === "itemError"),
      15_000,
      "an itemError event",
    );
    assert.equal(err.payload.tag, "Ghost");
    assert.match(String(err.payload.status), /^BadNodeIdUnknown/);
    await until(
      () => samples.map(sample).find((s) => s.values.Speed?.quality === "Good"),
      10_000,
      "Speed values",
    );
  });

  it("nothing listening at the endpoint: disconnected with the endpoint and cause, a log line, no crash", async () => {
    const nowhere = `opc.tcp://127.0.0.1:${await freePort()}`;
    await helper.load(nodes, flow(nowhere, [{ id: "Filler", tags: tagsOf("Filler") }]));
    const { events } = watch("Filler");
    const down = await until(
      () => events.find((e) => e.payload.event === "disconnected" && e.payload.detail),
      20_000,
      "a disconnected event with a cause",
      () => JSON.stringify(events.map((e) => e.payload)),
    );
    assert.ok(
      String(down.payload.detail).includes(nowhere),
      `detail names the endpoint: ${down.payload.detail}`,
    );
    await until(
      () =>
        helper
          .log()
          .args.map((a) => a[0] as { level: number; msg: unknown })
          .find((e) => e.level <= 30 && String(e.msg).includes(nowhere)),
      10_000,
      "a warning naming the endpoint in the log",
    );
  });

  it("refuses a malformed NodeId and an unknown type at deploy, naming the tag, and reports it to Catch", async () => {
    await helper.load(
      nodes,
      flow("opc.tcp://127.0.0.1:4840", [
        {
          id: "Filler",
          tags: [
            { name: "Speed", address: "ns=1;Line.Filler.Speed", type: "Double" },
            { name: "Count", address: "ns=1;s=Line.Filler.GoodCount", type: "Integer" },
          ],
        },
      ]),
    );
    const errors = helper
      .log()
      .args.map((a) => a[0] as { level: number; msg: unknown })
      .filter((e) => e.level === 20)
      .map((e) => String(e.msg));
    const text = errors.find((e) => e.includes("tags[0]"));
    assert.ok(text, `an error log line: ${JSON.stringify(errors)}`);
    assert.match(text, /config\.tags\[0\] "Speed"\.address must be an OPC UA NodeId/);
    assert.match(text, /config\.tags\[1\] "Count"\.type must be one of/);
    const caught = collect(helper.getNode("caught") as never) as unknown as Msg[];
    connector("Filler").receive({ payload: { Speed: 1 } });
    await until(() => caught.length, 5000, "the configuration problem at Catch");
    assert.match(
      String((caught[0]?.error as { message?: string } | undefined)?.message),
      /tags\[0\] "Speed"\.address/,
    );
  });
});

function connector(id: string): { receive(msg: Record<string, unknown>): void } {
  const node = helper.getNode(`conn-${id}`);
  if (!node) throw new Error(`no connector conn-${id}`);
  return node;
}
