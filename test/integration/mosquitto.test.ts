// The real mosquitto started by the root hooks (QoS 1 round trip with mqtt.js), plus private brokers for
// password authentication and for restart() with a reconnecting client.

import assert from "node:assert/strict";
import { connectAsync, type IClientOptions, type MqttClient } from "mqtt";
import { type MosquittoService, startMosquitto } from "../../scripts/services";
import { mqttBroker, uniqueName } from "../support/peers";
import { within } from "../support/wait";

const WAIT_MS = 10_000;

interface Received {
  topic: string;
  payload: string;
  qos: number;
}

function nextMessage(client: MqttClient, topic: string): Promise<Received> {
  return new Promise((resolve) => {
    const onMessage = (t: string, payload: Buffer, packet: { qos: number }) => {
      if (t !== topic) return;
      client.off("message", onMessage);
      resolve({ topic: t, payload: payload.toString("utf8"), qos: packet.qos });
    };
    client.on("message", onMessage);
  });
}

function connect(url: string, extra: IClientOptions = {}): Promise<MqttClient> {
  return within(
    connectAsync(url, {
      clientId: uniqueName("it_mqtt"),
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      ...extra,
    }),
    WAIT_MS,
    `MQTT connect to ${url}`,
  );
}

async function closeAll(clients: (MqttClient | undefined)[]): Promise<void> {
  await Promise.all(clients.map((c) => (c === undefined ? undefined : c.endAsync(true))));
}

/** Subscribe with QoS 1 on `sub`, publish with QoS 1 on `pub`, return what `sub` received. */
async function roundTrip(sub: MqttClient, pub: MqttClient, payload: string): Promise<Received> {
  const topic = `it/${uniqueName("t")}/state`;
  const granted = await within(sub.subscribeAsync(topic, { qos: 1 }), WAIT_MS, "SUBACK");
  assert.deepEqual(
    granted.map((g) => [g.topic, g.qos]),
    [[topic, 1]],
  );
  const received = nextMessage(sub, topic);
  await within(pub.publishAsync(topic, payload, { qos: 1 }), WAIT_MS, "PUBACK");
  const message = await within(received, WAIT_MS, `message on ${topic}`);
  assert.equal(message.topic, topic);
  return message;
}

describe("integration: mosquitto (real MQTT broker)", () => {
  it("listens on 127.0.0.1 and delivers a QoS 1 publish to a QoS 1 subscriber", async () => {
    const { url } = mqttBroker();
    assert.match(url, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
    let sub: MqttClient | undefined;
    let pub: MqttClient | undefined;
    try {
      sub = await connect(url);
      pub = await connect(url);
      const payload = JSON.stringify({
        machine: "press 01",
        state: "RUNNING",
        count: 42,
        ts: 1_700_000_000_000,
      });
      const message = await roundTrip(sub, pub, payload);
      assert.equal(message.payload, payload);
      assert.deepEqual(JSON.parse(message.payload), {
        machine: "press 01",
        state: "RUNNING",
        count: 42,
        ts: 1_700_000_000_000,
      });
      assert.equal(message.qos, 1);
    } finally {
      await closeAll([sub, pub]);
    }
  });

  it("with users: refuses anonymous and wrong credentials, accepts the right ones", async function () {
    this.timeout(60000);
    let broker: MosquittoService | undefined;
    let alice: MqttClient | undefined;
    let bob: MqttClient | undefined;
    try {
      broker = await startMosquitto({ users: { alice: "s3cret", bob: "hunter 2:x" } });
      assert.notEqual(broker.port, mqttBroker().port);
      const { url } = broker;

      await assert.rejects(
        connect(url),
        /Not authorized|Bad username or password/i,
        "anonymous must be refused",
      );
      await assert.rejects(
        connect(url, { username: "alice", password: "wrong" }),
        /Not authorized|Bad username or password/i,
        "wrong password must be refused",
      );
      await assert.rejects(
        connect(url, { username: "mallory", password: "s3cret" }),
        /Not authorized|Bad username or password/i,
        "unknown user must be refused",
      );

      alice = await connect(url, { username: "alice", password: "s3cret" });
      bob = await connect(url, { username: "bob", password: "hunter 2:x" });
      assert.ok(alice.connected && bob.connected);
      const message = await roundTrip(alice, bob, "authorized");
      assert.equal(message.payload, "authorized");
      assert.equal(message.qos, 1);
    } finally {
      await closeAll([alice, bob]);
      await broker?.stop();
    }
  });

  it("restart() keeps the port and a reconnecting client comes back", async function () {
    this.timeout(60000);
    let broker: MosquittoService | undefined;
    let client: MqttClient | undefined;
    let other: MqttClient | undefined;
    try {
      broker = await startMosquitto();
      const { url, port } = broker;
      client = await connect(url, { reconnectPeriod: 200 });
      const pidBefore = broker.pid;

      const c = client;
      const reconnected = new Promise<void>((resolve) => c.once("connect", () => resolve()));
      await broker.restart();
      assert.equal(broker.port, port);
      assert.equal(broker.url, url);
      assert.notEqual(broker.pid, pidBefore, "restart() must start a new process");
      await within(reconnected, WAIT_MS * 2, "the client to reconnect after restart()");

      other = await connect(url);
      const message = await roundTrip(client, other, "after restart");
      assert.equal(message.payload, "after restart");
    } finally {
      await closeAll([client, other]);
      await broker?.stop();
    }
  });
});
