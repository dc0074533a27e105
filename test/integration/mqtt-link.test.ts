// The shared MQTT client of mfg-mqtt-broker (nodes/shared/mqtt-link.ts) against a real mosquitto:
// overlapping filters, QoS 1, authentication, reconnect after a broker restart, and the config node
// itself through node-red-node-test-helper (compiled from dist/).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connectAsync, type IPublishPacket, type MqttClient, type Packet } from "mqtt";
import type { MqttBrokerNode } from "../../nodes/mqtt-broker/config";
import type { LinkState, LinkStatus, MqttMessage, Qos } from "../../nodes/shared/link";
import { MqttClientLink, type MqttLinkOptions } from "../../nodes/shared/mqtt-link";
import { type MosquittoService, startMosquitto } from "../../scripts/services";
import { mqttBrokerNode as brokerNode, helper } from "../support/node-red";
import { mqttBroker, uniqueName } from "../support/peers";
import { within } from "../support/wait";

const WAIT_MS = 10_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface LogLine {
  level: "info" | "warn" | "error";
  text: string;
}

function makeLink(
  url: string,
  extra: Partial<MqttLinkOptions> = {},
): { link: MqttClientLink; log: LogLine[] } {
  const log: LogLine[] = [];
  const link = new MqttClientLink(
    {
      url,
      clientId: uniqueName("it_link"),
      protocolVersion: 4,
      keepaliveS: 30,
      cleanSession: true,
      reconnectPeriodMs: 200,
      ...extra,
    },
    {
      info: (text) => log.push({ level: "info", text }),
      warn: (text) => log.push({ level: "warn", text }),
      error: (text) => log.push({ level: "error", text }),
    },
  );
  return { link, log };
}

/** Resolves when the link is in `state` (now or later) and `test` accepts its status. */
function status(
  link: MqttClientLink,
  state: LinkState,
  what: string,
  test: (s: LinkStatus) => boolean = () => true,
): Promise<LinkStatus> {
  let stop: () => void = () => undefined;
  const reached = new Promise<LinkStatus>((resolve) => {
    const check = (s: LinkStatus) => {
      if (s.state === state && test(s)) {
        stop();
        resolve(s);
      }
    };
    stop = link.onStatus(check);
    check(link.status);
  });
  return within(reached, WAIT_MS * 2, what).finally(() => stop());
}

/** The mqtt.js client the link uses right now (private; tests only, to count packets on the wire). */
function wireClient(link: MqttClientLink): MqttClient {
  const client = (link as unknown as { client?: MqttClient }).client;
  assert.ok(client, "the link has a client");
  return client;
}

interface WireCount {
  subscribe: string[];
  unsubscribe: string[];
}

function countWire(client: MqttClient, into: WireCount = { subscribe: [], unsubscribe: [] }): WireCount {
  client.on("packetsend", (packet: Packet) => {
    if (packet.cmd === "subscribe") into.subscribe.push(...packet.subscriptions.map((s) => s.topic));
    if (packet.cmd === "unsubscribe") into.unsubscribe.push(...packet.unsubscriptions);
  });
  return into;
}

function rawClient(url: string, extra: Record<string, unknown> = {}): Promise<MqttClient> {
  return within(
    connectAsync(url, {
      clientId: uniqueName("it_raw"),
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      ...extra,
    }),
    WAIT_MS,
    `MQTT connect to ${url}`,
  );
}

/** Publishes `probe` on `topic` until `ready()` (the subscriptions are in place), bounded. */
async function untilDelivered(
  pub: MqttClient,
  topic: string,
  ready: () => boolean,
  what: string,
): Promise<void> {
  for (let i = 0; !ready(); i++) {
    if (i >= 100) throw new Error(`timed out waiting for ${what}`);
    await pub.publishAsync(topic, "probe", { qos: 0 });
    await sleep(100);
  }
}

/** A subscriber that records what it gets. */
function recorder() {
  const got: MqttMessage[] = [];
  return {
    got,
    onMessage: (m: MqttMessage) => got.push(m),
    payloads: () => got.map((m) => m.payload.toString("utf8")),
    count: (payload: string) => got.filter((m) => m.payload.toString("utf8") === payload).length,
    has: (payload: string) => got.some((m) => m.payload.toString("utf8") === payload),
    clear: () => got.splice(0),
  };
}

/** Sends `payload` then an `end` marker on `topic`; resolves once every recorder has the marker. */
async function sendAndSettle(
  pub: MqttClient,
  topic: string,
  payload: string,
  recorders: Array<ReturnType<typeof recorder>>,
): Promise<void> {
  await pub.publishAsync(topic, payload, { qos: 1 });
  const marker = `end-${payload}`;
  await pub.publishAsync(topic, marker, { qos: 1 });
  for (let i = 0; !recorders.every((r) => r.has(marker)); i++) {
    if (i >= 100) throw new Error(`timed out waiting for ${marker} on ${topic}`);
    await sleep(100);
  }
}

describe("integration: MqttClientLink (shared MQTT client) with mosquitto", () => {
  for (const protocolVersion of [4, 5] as const) {
    it(`MQTT ${protocolVersion === 4 ? "3.1.1" : "5"}: overlapping filters, one broker subscription per distinct filter, each user gets a message once`, async () => {
      const { url } = mqttBroker();
      const { link } = makeLink(url, { protocolVersion });
      const p = uniqueName("ov");
      let pub: MqttClient | undefined;
      try {
        link.acquire();
        await status(link, "connected", "the link to connect");
        const wire = countWire(wireClient(link));
        const speed = recorder();
        const speed2 = recorder();
        const all = recorder();
        const subSpeed = link.subscribe(`${p}/line/+/speed`, 1, speed.onMessage);
        const subSpeed2 = link.subscribe(`${p}/line/+/speed`, 0, speed2.onMessage);
        const subAll = link.subscribe(`${p}/line/#`, 0, all.onMessage);
        pub = await rawClient(url);
        const publisher = pub;
        await untilDelivered(
          publisher,
          `${p}/line/probe/speed`,
          () => speed.has("probe") && speed2.has("probe") && all.has("probe"),
          "the subscriptions",
        );
        assert.deepEqual(
          [...wire.subscribe].sort(),
          [`${p}/line/#`, `${p}/line/+/speed`],
          "one SUBSCRIBE per distinct filter",
        );
        for (const r of [speed, speed2, all]) r.clear();

        await sendAndSettle(publisher, `${p}/line/1/speed`, "42.5", [speed, speed2, all]);
        assert.equal(speed.count("42.5"), 1, "line/+/speed user gets it once");
        assert.equal(speed2.count("42.5"), 1, "second line/+/speed user gets it once");
        assert.equal(all.count("42.5"), 1, "line/# user gets it once");
        const m = speed.got.find((x) => x.payload.toString() === "42.5");
        assert.equal(m?.topic, `${p}/line/1/speed`, "topic");
        assert.equal(m?.retain, false, "retain");

        await sendAndSettle(publisher, `${p}/line/1/temp`, "71", [all]);
        assert.equal(all.count("71"), 1, "line/# gets line/1/temp once");
        assert.equal(speed.count("71") + speed2.count("71"), 0, "line/+/speed does not get line/1/temp");

        // reference counting: the filter stays while one user has it, goes with the last
        await subSpeed2.close();
        assert.deepEqual(wire.unsubscribe, [], "no UNSUBSCRIBE while a user of the filter remains");
        await sendAndSettle(publisher, `${p}/line/2/speed`, "7", [speed, all]);
        assert.equal(speed.count("7"), 1, "remaining user still gets it");
        assert.equal(speed2.count("7"), 0, "closed user gets nothing");
        await subSpeed.close();
        await subSpeed.close(); // idempotent
        assert.deepEqual(wire.unsubscribe, [`${p}/line/+/speed`], "one UNSUBSCRIBE with the last user");
        await sendAndSettle(publisher, `${p}/line/3/speed`, "8", [all]);
        assert.equal(all.count("8"), 1, "line/# still subscribed");
        assert.equal(speed.count("8"), 0, "closed user gets nothing");
        await subAll.close();
        assert.equal(wire.subscribe.length, 2, "no SUBSCRIBE beyond the two filters");
      } finally {
        await pub?.endAsync(true);
        await link.shutdown();
      }
    });
  }

  it("a throwing status listener neither crashes nor stops the link; it is logged and the others still hear", async () => {
    const { url } = mqttBroker();
    const { link, log } = makeLink(url, { protocolVersion: 5 });
    let pub: MqttClient | undefined;
    try {
      let thrown = 0;
      const heard: LinkState[] = [];
      link.onStatus(() => {
        thrown++;
        throw new Error("listener bug");
      });
      link.onStatus((s) => heard.push(s.state));
      link.acquire();
      await status(link, "connected", "the link to connect despite the throwing listener");
      assert.ok(thrown > 0, "the throwing listener was called");
      assert.ok(heard.includes("connected"), `the other listener heard "connected": ${heard.join(",")}`);
      assert.ok(
        log.some((l) => l.level === "error" && /status listener failed: listener bug/.test(l.text)),
        `an error log line about the listener: ${JSON.stringify(log)}`,
      );
      const topic = `${uniqueName("throw")}/state`;
      const mine = recorder();
      const s = link.subscribe(topic, 1, mine.onMessage);
      pub = await rawClient(url);
      await untilDelivered(pub, topic, () => mine.got.length > 0, "messages while a listener throws");
      await within(link.publish(topic, "after", { qos: 1, retain: false }), WAIT_MS, "publish");
      await s.close();
    } finally {
      await pub?.endAsync(true);
      await link.shutdown();
    }
  });

  it("release then acquire while the close is in flight: the release resolves and the link opens again once", async () => {
    const { url } = mqttBroker();
    const { link } = makeLink(url, { protocolVersion: 5 });
    try {
      link.acquire();
      await status(link, "connected", "the first connection");
      let connects = 0;
      link.onStatus((s) => {
        if (s.state === "connected") connects++;
      });
      const released = link.release();
      await new Promise<void>((resolve) => setImmediate(resolve)); // the close has started
      link.acquire();
      await within(released, WAIT_MS, "release() to resolve");
      await status(link, "connected", "connected again after the re-acquire");
      const topic = `${uniqueName("reopen")}/state`;
      const mine = recorder();
      const s = link.subscribe(topic, 0, mine.onMessage);
      const pub = await rawClient(url);
      try {
        await untilDelivered(pub, topic, () => mine.got.length > 0, "messages after the reopen");
      } finally {
        await pub.endAsync(true);
      }
      assert.equal(connects, 1, "exactly one new connection");
      assert.ok(wireClient(link).connected, "one live client");
      await s.close();
    } finally {
      await link.shutdown();
    }
  });

  it("QoS 1: publish resolves after PUBACK and QoS 1 subscribers receive it at QoS 1", async () => {
    const { url } = mqttBroker();
    const { link } = makeLink(url, { protocolVersion: 5 });
    let sub: MqttClient | undefined;
    try {
      const topic = `${uniqueName("q1")}/state`;
      // not connected yet: rejected at once, naming the URL
      await assert.rejects(
        link.publish(topic, "x", { qos: 1, retain: false }),
        (err: Error) => err.message === `${url}: not connected`,
        "publish before connect must reject with <url>: not connected",
      );
      link.acquire();
      await status(link, "connected", "the link to connect");
      sub = await rawClient(url);
      await within(sub.subscribeAsync(topic, { qos: 1 }), WAIT_MS, "SUBACK");
      const raw = new Promise<{ payload: string; qos: number }>((resolve) => {
        sub?.on("message", (t: string, payload: Buffer, packet: IPublishPacket) => {
          if (t === topic && payload.toString("utf8") === "RUNNING")
            resolve({ payload: payload.toString("utf8"), qos: packet.qos });
        });
      });
      const mine = recorder();
      const s = link.subscribe(topic, 1, mine.onMessage);
      await untilDelivered(sub, topic, () => mine.got.length > 0, "own subscription");
      mine.clear();
      let pubacks = 0;
      wireClient(link).on("packetreceive", (packet: Packet) => {
        if (packet.cmd === "puback") pubacks++;
      });
      await within(link.publish(topic, "RUNNING", { qos: 1, retain: false }), WAIT_MS, "publish QoS 1");
      assert.equal(pubacks, 1, "resolved after the PUBACK arrived");
      const got = await within(raw, WAIT_MS, "the QoS 1 message at the raw subscriber");
      assert.deepEqual(got, { payload: "RUNNING", qos: 1 }, "raw subscriber");
      for (let i = 0; !mine.has("RUNNING"); i++) {
        if (i >= 100) throw new Error("timed out waiting for the message at the link subscriber");
        await sleep(100);
      }
      assert.equal(
        mine.got.find((m) => m.payload.toString() === "RUNNING")?.qos,
        1 as Qos,
        "link subscriber QoS",
      );
      await within(link.publish(topic, "q0", { qos: 0, retain: false }), WAIT_MS, "publish QoS 0");
      await within(link.publish(topic, "q2", { qos: 2, retain: false }), WAIT_MS, "publish QoS 2");
      await assert.rejects(
        link.publish("a/+/b", "x", { qos: 1, retain: false }),
        /cannot publish to "a\/\+\/b": .*wildcards/,
        "wildcard topic refused",
      );
      assert.throws(
        () => link.subscribe("line/#/speed", 0, () => undefined),
        /invalid MQTT topic filter "line\/#\/speed": "#" must be a whole level and the last one/,
        "bad filter refused naming it",
      );
      assert.throws(
        () => link.subscribe("line/sp+", 0, () => undefined),
        /invalid MQTT topic filter "line\/sp\+": "\+" must be a whole level/,
        "bad + refused naming it",
      );
      await s.close();
    } finally {
      await sub?.endAsync(true);
      await link.shutdown();
    }
  });

  it("with users: right credentials connect; wrong ones give a disconnected status with the cause and one log line", async function () {
    this.timeout(60000);
    let broker: MosquittoService | undefined;
    const links: MqttClientLink[] = [];
    try {
      broker = await startMosquitto({ users: { alice: "s3cret" } });
      const { url } = broker;
      for (const protocolVersion of [4, 5] as const) {
        const good = makeLink(url, { protocolVersion, username: "alice", password: "s3cret" });
        links.push(good.link);
        good.link.acquire();
        const ok = await status(good.link, "connected", `MQTT ${protocolVersion} with the right password`);
        assert.equal(ok.detail, url, "connected detail is the URL");

        const bad = makeLink(url, {
          protocolVersion,
          username: "alice",
          password: "wrong-pw",
          reconnectPeriodMs: 100,
        });
        links.push(bad.link);
        const statuses: LinkStatus[] = [];
        bad.link.onStatus((s) => statuses.push(s));
        bad.link.acquire();
        const refused = await status(bad.link, "disconnected", "the refusal");
        assert.match(
          refused.detail ?? "",
          new RegExp(
            `^${url.replace(/[.]/g, "\\.")}: Connection refused: (Not authorized|Bad User Name or Password)`,
            "i",
          ),
          "detail names the URL and the cause",
        );
        // it keeps retrying (backoff) without crashing; identical warnings are logged once
        for (let i = 0; statuses.filter((s) => s.state === "disconnected").length < 3; i++) {
          if (i >= 200) throw new Error("timed out waiting for three failed attempts");
          await sleep(50);
        }
        const warnings = bad.log.filter((l) => l.level === "warn");
        assert.equal(warnings.length, 1, `one warning for repeated refusals: ${JSON.stringify(warnings)}`);
        assert.match(warnings[0]?.text ?? "", /Connection refused/, "the warning names the cause");
        const everything = JSON.stringify([statuses, bad.log, good.log]);
        assert.ok(
          !everything.includes("wrong-pw") && !everything.includes("s3cret"),
          "no secret in status or log",
        );
        await bad.link.shutdown();
        assert.equal(bad.link.status.state, "disconnected", "shut down");
      }
    } finally {
      for (const link of links) await link.shutdown();
      await broker?.stop();
    }
  });

  for (const protocolVersion of [4, 5] as const) {
    it(`MQTT ${protocolVersion === 4 ? "3.1.1" : "5"}: reconnects after a broker restart and restores each subscription once`, async function () {
      this.timeout(60000);
      let broker: MosquittoService | undefined;
      let pub: MqttClient | undefined;
      let l: MqttClientLink | undefined;
      try {
        broker = await startMosquitto();
        const { url } = broker;
        const made = makeLink(url, { protocolVersion });
        l = made.link;
        const link = l;
        const statuses: LinkState[] = [];
        link.onStatus((s) => statuses.push(s.state));
        link.acquire();
        await status(link, "connected", "the first connection");
        const p = uniqueName("rc");
        const speed = recorder();
        const all = recorder();
        const s1 = link.subscribe(`${p}/line/+/speed`, 1, speed.onMessage);
        const s2 = link.subscribe(`${p}/line/#`, 1, all.onMessage);
        pub = await rawClient(url);
        await untilDelivered(
          pub,
          `${p}/line/0/speed`,
          () => speed.has("probe") && all.has("probe"),
          "subscriptions",
        );
        await pub.endAsync(true);
        pub = undefined;

        // After the restart, count the SUBSCRIBEs of the new connection.
        const wire: WireCount = { subscribe: [], unsubscribe: [] };
        const stop = link.onStatus((s) => {
          if (s.state === "connected") countWire(wireClient(link), wire);
        });
        statuses.splice(0);
        await broker.restart();
        await status(link, "connected", "the reconnect after restart()");
        stop();
        const down = statuses.indexOf("disconnected");
        assert.ok(down >= 0, `disconnected reported: ${statuses.join(",")}`);
        assert.ok(statuses.indexOf("connected", down) > down, `then connected: ${statuses.join(",")}`);
        await publishing(link);

        pub = await rawClient(url);
        for (const r of [speed, all]) r.clear();
        await untilDelivered(
          pub,
          `${p}/line/0/speed`,
          () => speed.has("probe") && all.has("probe"),
          "restored subscriptions",
        );
        assert.deepEqual(
          [...wire.subscribe].sort(),
          [`${p}/line/#`, `${p}/line/+/speed`],
          "each filter restored once",
        );
        for (const r of [speed, all]) r.clear();
        await sendAndSettle(pub, `${p}/line/1/speed`, "after-restart", [speed, all]);
        assert.equal(speed.count("after-restart"), 1, "line/+/speed user: exactly once");
        assert.equal(all.count("after-restart"), 1, "line/# user: exactly once");
        assert.ok(
          made.log.some((x) => x.level === "warn" && x.text.startsWith(`${url}: `)),
          "the disconnect was logged",
        );
        await s1.close();
        await s2.close();
      } finally {
        await pub?.endAsync(true);
        await l?.shutdown();
        await broker?.stop();
      }
    });
  }
});

describe("integration: MqttClientLink over TLS (mqtts://, test CA made with openssl)", () => {
  let broker: MosquittoService | undefined;
  before(async function () {
    this.timeout(60000);
    broker = await startMosquitto({ tls: true });
  });
  after(async () => {
    await broker?.stop();
  });

  it("connects when the broker's certificate verifies against the given CA and carries messages", async () => {
    const tls = broker?.tls;
    assert.ok(tls, "the broker has a TLS listener");
    const { link } = makeLink(tls.url, { protocolVersion: 5, tls: { ca: readFileSync(tls.caFile) } });
    try {
      link.acquire();
      const s = await status(link, "connected", "the TLS connection");
      assert.equal(s.detail, tls.url, "connected to the mqtts URL");
      const topic = `${uniqueName("tls")}/state`;
      const mine = recorder();
      const sub = link.subscribe(topic, 1, mine.onMessage);
      for (let i = 0; !mine.has("secure"); i++) {
        if (i >= 100) throw new Error("timed out waiting for the message over TLS");
        await within(link.publish(topic, "secure", { qos: 1, retain: false }), WAIT_MS, "publish over TLS");
        await sleep(100);
      }
      await sub.close();
    } finally {
      await link.shutdown();
    }
  });

  it("refuses a broker whose certificate does not verify, naming the cause", async () => {
    const tls = broker?.tls;
    assert.ok(tls, "the broker has a TLS listener");
    const { link, log } = makeLink(tls.url, { tls: { rejectUnauthorized: true } });
    try {
      link.acquire();
      const s = await status(link, "disconnected", "the TLS refusal");
      assert.match(s.detail ?? "", /^mqtts:\/\/127\.0\.0\.1:\d+: .*certificate/i, `detail: ${s.detail}`);
      assert.ok(
        log.some((l) => l.level === "warn" && /certificate/i.test(l.text)),
        "logged",
      );
    } finally {
      await link.shutdown();
    }
  });
});

/** After a reconnect the link publishes again (QoS 1). */
async function publishing(link: MqttClientLink): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await within(
        link.publish(`${uniqueName("rc")}/x`, "up", { qos: 1, retain: false }),
        WAIT_MS,
        "publish",
      );
      return;
    } catch (err) {
      if (i >= 50) throw err;
      await sleep(100);
    }
  }
}

describe("mfg-mqtt-broker (config node)", () => {
  let broker: MosquittoService | undefined;

  before(async function () {
    this.timeout(30000);
    broker = await startMosquitto({ users: { plc: "line-1 pw" } });
  });
  after(async () => {
    await broker?.stop();
  });
  afterEach(async () => {
    await helper.unload();
  });

  it("an invalid URL gives a problem naming the field and no link", async () => {
    await helper.load(
      [brokerNode],
      [{ id: "b1", type: "mfg-mqtt-broker", name: "", url: "http://127.0.0.1:1883" }],
    );
    const node = helper.getNode("b1") as unknown as MqttBrokerNode;
    assert.match(node.problem ?? "", /^broker\.url must match/, `problem: ${node.problem}`);
    assert.equal(node.link, undefined, "no link");
  });

  it("a user name in the URL or an out-of-range keep alive is a problem naming the field", async () => {
    await helper.load(
      [brokerNode],
      [
        { id: "b1", type: "mfg-mqtt-broker", url: "mqtt://plc:pw@127.0.0.1:1883" },
        { id: "b2", type: "mfg-mqtt-broker", url: "mqtt://127.0.0.1:1883", keepaliveS: "70000" },
        {
          id: "b3",
          type: "mfg-mqtt-broker",
          url: "mqtts://127.0.0.1:8883",
          certFile: "/nonexistent/client.pem",
        },
      ],
    );
    const problem = (id: string) => (helper.getNode(id) as unknown as MqttBrokerNode).problem ?? "";
    assert.match(problem("b1"), /^broker\.url must not contain a user name or password/, problem("b1"));
    assert.doesNotMatch(problem("b1"), /pw/, "the password is not repeated");
    assert.match(problem("b2"), /^broker\.keepaliveS /, problem("b2"));
    assert.match(problem("b3"), /^broker\.clientKey is required/, problem("b3"));
  });

  it("reads its CA file for mqtts:// and connects over TLS", async function () {
    this.timeout(60000);
    let tlsBroker: MosquittoService | undefined;
    try {
      tlsBroker = await startMosquitto({ tls: true });
      const tls = tlsBroker.tls;
      assert.ok(tls, "TLS listener");
      await helper.load(
        [brokerNode],
        [{ id: "b1", type: "mfg-mqtt-broker", url: tls.url, caFile: tls.caFile }],
      );
      const node = helper.getNode("b1") as unknown as MqttBrokerNode;
      assert.equal(node.problem, undefined, `no problem: ${node.problem}`);
      const link = node.link;
      assert.ok(link, "link");
      link.acquire();
      await within(
        new Promise<void>((resolve) => {
          const check = (x: LinkStatus) => x.state === "connected" && resolve();
          link.onStatus(check);
          check(link.status);
        }),
        WAIT_MS,
        "the TLS connection of the config node",
      );
      await helper.unload(); // the close handler shuts the link down
      assert.equal(link.status.state, "disconnected", "closed with the node");
    } finally {
      await tlsBroker?.stop();
    }
  });

  it("connects with its credentials, which stay out of the flow JSON", async () => {
    const url = broker?.url ?? "";
    const redNodes = (
      helper as unknown as {
        _redNodes: {
          getFlows(): { flows: unknown };
          setFlows(flows: unknown, creds: unknown, type: string): Promise<unknown>;
        };
      }
    )._redNodes;
    await helper.load([brokerNode], []);
    // Deploy as the editor does: the credentials inline in the node, extracted by the runtime.
    await redNodes.setFlows(
      [
        {
          id: "b1",
          type: "mfg-mqtt-broker",
          name: "plant broker",
          url,
          clientId: "",
          protocolVersion: "5",
          keepaliveS: "30",
          cleanSession: true,
          caFile: "",
          certFile: "",
          rejectUnauthorized: true,
          reconnectPeriodMs: "500",
          credentials: { user: "plc", password: "line-1 pw" },
        },
      ],
      undefined,
      "full",
    );
    for (let i = 0; helper.getNode("b1") === null; i++) {
      if (i >= 100) throw new Error("timed out waiting for the deployed config node to start");
      await sleep(50);
    }
    const node = helper.getNode("b1") as unknown as MqttBrokerNode & { credentials?: Record<string, string> };
    assert.equal(node.problem, undefined, `no problem: ${node.problem}`);
    assert.equal(node.credentials?.password, "line-1 pw", "credentials reach the node");
    const flows = JSON.stringify(redNodes.getFlows().flows);
    assert.ok(!flows.includes("line-1 pw") && !flows.includes('"credentials"'), `no credentials in ${flows}`);
    const link = node.link;
    assert.ok(link, "the node has a link");
    assert.equal(link.url, url, "link url");
    link.acquire();
    const s = await within(
      new Promise<LinkStatus>((resolve) => {
        const check = (x: LinkStatus) => x.state === "connected" && resolve(x);
        link.onStatus(check);
        check(link.status);
      }),
      WAIT_MS,
      "the config node's link to connect",
    );
    assert.equal(s.detail, url, "connected");
    await link.release();
    assert.equal(link.status.state, "disconnected", "closed with the last release");
  });
});
