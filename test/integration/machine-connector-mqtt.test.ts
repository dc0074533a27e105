// mfg-machine-connector over MQTT against a real mosquitto with a password file: JSON payloads
// mapped to tags by JSON paths, QoS 1, username/password, writes as publishes, the watchdog, and
// the broker restarting under the connector.
import assert from "node:assert/strict";
import mqtt from "mqtt";
import type { MachineSample } from "../../lib/types";
import { validate } from "../../lib/validate";
import { type MosquittoService, startMosquitto } from "../../scripts/services";
import {
  assetNode,
  catchNode,
  collect,
  helper,
  machineConnectorNode,
  mqttBrokerNode,
} from "../support/node-red";
import { until } from "../support/wait";

const USER = "line1";
const PASSWORD = "s3cret-Pa55";
const ASSET = "demo-plant/packaging/line-1/filler";

type Msg = Record<string, unknown> & { payload: Record<string, unknown> };

function flow(brokerUrl: string, extra: Record<string, unknown> = {}) {
  return [
    { id: "tab", type: "tab", label: "t" },
    {
      id: "asset",
      type: "mfg-asset",
      site: "demo-plant",
      area: "packaging",
      line: "line-1",
      machine: "filler",
    },
    { id: "broker", type: "mfg-mqtt-broker", url: brokerUrl, clientId: "", protocolVersion: 5 },
    {
      id: "conn",
      type: "mfg-machine-connector",
      z: "tab",
      asset: "asset",
      source: "mqtt",
      broker: "broker",
      qos: 1,
      output: "change",
      staleAfterMs: 0,
      tags: [
        { name: "State", address: "plant/filler/status", path: "state", type: "String" },
        {
          name: "Speed",
          address: "plant/filler/status",
          path: "speed",
          type: "Double",
          unit: "bpm",
          staleMs: 0,
        },
        { name: "Good", address: "plant/filler/status", path: "counts.good", type: "UInt32" },
        {
          name: "TempC",
          address: "plant/filler/temp",
          path: "",
          type: "Double",
          scale: 0.1,
          unit: "°C",
          staleMs: 600,
        },
        { name: "Setpoint", address: "plant/filler/setpoint", path: "", type: "Int16", scale: 0.5 },
      ],
      wires: [["samples"], ["events"]],
      ...extra,
    },
    { id: "samples", type: "helper", z: "tab" },
    { id: "events", type: "helper", z: "tab" },
    { id: "catcher", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["caught"]] },
    { id: "caught", type: "helper", z: "tab" },
  ];
}

const credentials = { broker: { user: USER, password: PASSWORD } };

async function publisher(url: string): Promise<mqtt.MqttClient> {
  const client = mqtt.connect(url, {
    username: USER,
    password: PASSWORD,
    reconnectPeriod: 200,
    connectTimeout: 5000,
  });
  await new Promise<void>((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("error", reject);
  });
  return client;
}

describe("mfg-machine-connector over MQTT (real mosquitto, username/password)", function () {
  this.timeout(40_000);
  let broker: MosquittoService;
  let pub: mqtt.MqttClient | undefined;

  before(async () => {
    broker = await startMosquitto({ users: { [USER]: PASSWORD } });
  });
  after(async () => {
    await broker?.stop();
  });
  afterEach(async () => {
    await helper.unload();
    if (pub) await pub.endAsync(true);
    pub = undefined;
  });

  const nodes = [assetNode, mqttBrokerNode, machineConnectorNode, catchNode];

  async function loaded(extra: Record<string, unknown> = {}) {
    await helper.load(nodes, flow(broker.url, extra), credentials);
    const samples = collect(helper.getNode("samples") as never) as unknown as Msg[];
    const events = collect(helper.getNode("events") as never) as unknown as Msg[];
    const caught = collect(helper.getNode("caught") as never) as unknown as Msg[];
    await until(
      () => events.some((e) => e.payload.event === "connected"),
      10_000,
      "the connector's connected event",
      () => JSON.stringify(events.map((e) => e.payload)),
    );
    return { samples, events, caught };
  }

  it("maps JSON payloads (QoS 1) to tags with type, scale and unit, one MachineSample per message", async () => {
    const { samples } = await loaded();
    pub = await publisher(broker.url);
    await pub.publishAsync(
      "plant/filler/status",
      JSON.stringify({ state: "Execute", speed: 12.5, counts: { good: 41 } }),
      {
        qos: 1,
      },
    );
    await pub.publishAsync("plant/filler/temp", "612", { qos: 1 });
    await until(
      () => samples.length >= 2,
      5000,
      "two samples",
      () => JSON.stringify(samples),
    );
    const first = samples[0] as unknown as { topic: string; payload: MachineSample };
    assert.equal(first.topic, ASSET);
    assert.ok(validate("MachineSample", first.payload).ok, "contract");
    assert.deepEqual(first.payload.values, {
      State: { value: "Execute", quality: "Good" },
      Speed: { value: 12.5, quality: "Good", unit: "bpm" },
      Good: { value: 41, quality: "Good" },
    });
    const second = samples[1] as unknown as { payload: MachineSample };
    assert.equal(second.payload.values.TempC?.value, 61.2, "raw 612 x 0.1");
    assert.equal(second.payload.values.TempC?.unit, "°C");
    assert.equal(second.payload.stale, false);
  });

  it("refuses a payload value that does not fit the tag's type: value null, BadTypeMismatch, one warning", async () => {
    const { samples, events } = await loaded();
    pub = await publisher(broker.url);
    await pub.publishAsync("plant/filler/status", JSON.stringify({ counts: { good: -3 } }), { qos: 1 });
    await until(() => samples.length >= 1, 5000, "a sample");
    assert.deepEqual((samples[0] as unknown as { payload: MachineSample }).payload.values.Good, {
      value: null,
      quality: "BadOutOfRange",
    });
    const conversion = events.find((e) => e.payload.event === "conversion");
    assert.ok(conversion, "a conversion event on the status output");
    assert.equal(conversion.payload.tag, "Good");
  });

  it("watchdog: a tag silent for longer than its staleMs is sent stale at once, and fresh on new data", async () => {
    const { samples, events } = await loaded();
    pub = await publisher(broker.url);
    await pub.publishAsync("plant/filler/temp", "500", { qos: 1 });
    const stale = await until(
      () => samples.find((s) => (s.payload as unknown as MachineSample).stale),
      5000,
      "a stale sample",
      () => JSON.stringify(samples.map((s) => s.payload)),
    );
    assert.deepEqual((stale.payload as unknown as MachineSample).values, {
      TempC: { value: 50, quality: "Good", unit: "°C", stale: true },
    });
    const event = events.find((e) => e.payload.event === "stale");
    assert.deepEqual(event?.payload.tags, ["TempC"]);
    assert.equal(event?.payload.reason, "watchdog");
    await pub.publishAsync("plant/filler/temp", "501", { qos: 1 });
    const back = await until(
      () =>
        samples.map((x) => x.payload as unknown as MachineSample).find((x) => x.values.TempC?.value === 50.1),
      5000,
      "the new value",
    );
    assert.deepEqual(back.values.TempC, { value: 50.1, quality: "Good", unit: "°C" }, "no longer stale");
    assert.equal(back.stale, false);
    await until(() => events.some((e) => e.payload.event === "fresh"), 5000, "a fresh event");
  });

  it("writes a tag as a QoS 1 publish of the raw value, result on the status output", async () => {
    const { events } = await loaded();
    pub = await publisher(broker.url);
    const received: string[] = [];
    pub.on("message", (_t, payload) => received.push(payload.toString()));
    await pub.subscribeAsync("plant/filler/setpoint", { qos: 1 });
    (helper.getNode("conn") as unknown as { receive(m: unknown): void }).receive({
      payload: { Setpoint: 21 },
    });
    await until(() => received.length > 0, 5000, "the published setpoint");
    assert.deepEqual(received, ["42"], "21 / scale 0.5 = raw 42");
    const write = await until(() => events.find((e) => e.payload.event === "write"), 5000, "a write event");
    assert.deepEqual(write.payload.results, [{ tag: "Setpoint", value: 21, status: "Good" }]);
  });

  it("refuses a bad write naming the tag, through Catch, and writes nothing", async () => {
    const { caught } = await loaded();
    pub = await publisher(broker.url);
    const received: string[] = [];
    pub.on("message", (_t, payload) => received.push(payload.toString()));
    await pub.subscribeAsync("plant/filler/setpoint", { qos: 1 });
    const conn = helper.getNode("conn") as unknown as { receive(m: unknown): void };
    conn.receive({ payload: { Setpoint: 1.25, Speedd: 3 } });
    conn.receive({ payload: { Speed: 3 } });
    await until(() => caught.length >= 2, 5000, "two caught errors");
    const texts = caught.map((c) => String((c.error as { message?: string }).message));
    assert.match(texts[0] ?? "", /payload\.Setpoint must give a whole raw value for Int16, got 1\.25/);
    assert.match(texts[0] ?? "", /payload\.Speedd is not a tag of this connector/);
    assert.match(
      texts[1] ?? "",
      /payload\.Speed is read from a JSON path inside a payload and cannot be written/,
    );
    // A publish after the refused writes arrives first: nothing was written by them.
    await pub.publishAsync("plant/filler/setpoint", "marker", { qos: 1 });
    await until(() => received.length > 0, 5000, "the marker");
    assert.deepEqual(received, ["marker"]);
  });

  it("reports a broker restart: disconnected (values stale at once), connected again, samples resume", async () => {
    const { samples, events } = await loaded();
    pub = await publisher(broker.url);
    await pub.publishAsync("plant/filler/status", JSON.stringify({ state: "Execute", speed: 10 }), {
      qos: 1,
    });
    await until(() => samples.length >= 1, 5000, "a first sample");
    const before = events.length;
    await broker.restart();
    await until(
      () => events.slice(before).some((e) => e.payload.event === "connected"),
      20_000,
      "connected again after the restart",
      () => JSON.stringify(events.slice(before).map((e) => e.payload)),
    );
    const during = events.slice(before).map((e) => e.payload);
    const down = during.find((e) => e.event === "stale");
    assert.ok(down, `a stale event while the broker was down: ${JSON.stringify(during)}`);
    assert.equal(down.reason, "disconnected");
    assert.ok(
      samples.some(
        (s) =>
          (s.payload as unknown as MachineSample).stale &&
          (s.payload as unknown as MachineSample).values.State?.stale,
      ),
      "a sample marking the last values stale",
    );
    const count = samples.length;
    await until(() => pub?.connected, 10_000, "the test publisher reconnected");
    await pub.publishAsync("plant/filler/status", JSON.stringify({ state: "Held", speed: 0 }), { qos: 1 });
    const resumed = await until(
      () => samples.slice(count).find((s) => !(s.payload as unknown as MachineSample).stale),
      10_000,
      "a sample after the restart",
    );
    assert.equal((resumed.payload as unknown as MachineSample).values.State?.value, "Held");
    await new Promise((r) => setTimeout(r, 300));
    const held = samples
      .slice(count)
      .filter((s) => (s.payload as unknown as MachineSample).values.State?.value === "Held");
    assert.equal(held.length, 1, "the message after the restart arrives exactly once (one subscription)");
  });

  it("wrong password: disconnected status event naming the broker, a log line, no crash", async () => {
    await helper.load(nodes, flow(broker.url), { broker: { user: USER, password: "wrong" } });
    const events = collect(helper.getNode("events") as never) as unknown as Msg[];
    const down = await until(
      () => events.find((e) => e.payload.event === "disconnected"),
      10_000,
      "a disconnected event",
      () => JSON.stringify(events.map((e) => e.payload)),
    );
    assert.match(String(down.payload.detail), new RegExp(broker.url.replace(/[.]/g, "\\.")));
    assert.doesNotMatch(JSON.stringify(events), /wrong/, "the password is not in any event");
    const logged = helper
      .log()
      .args.map((a: unknown[]) => a[0] as { level: number; msg: unknown })
      .filter((e) => e.level <= 30);
    assert.ok(
      logged.some((e) => String(e.msg).includes(broker.url)),
      `a warning naming the broker: ${JSON.stringify(logged.map((e) => e.msg))}`,
    );
  });
});
