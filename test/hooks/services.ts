// Mocha root hooks: one influxd and one mosquitto for the whole run, on free 127.0.0.1 ports with
// temp data dirs (scripts/services.ts). Tests reach them through test/support/peers.ts.

import {
  type InfluxService,
  type MosquittoService,
  startInfluxd,
  startMosquitto,
} from "../../scripts/services";
import { setPeers } from "../support/peers";

let started: { influx?: InfluxService; mqtt?: MosquittoService } = {};

async function stopAll(): Promise<void> {
  const { influx, mqtt } = started;
  started = {};
  setPeers(undefined);
  const results = await Promise.allSettled([influx?.stop(), mqtt?.stop()]);
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failures.length > 0) throw failures[0]?.reason;
}

export const mochaHooks: Mocha.RootHookObject = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(60000);
    const [influx, mqtt] = await Promise.allSettled([startInfluxd(), startMosquitto()]);
    if (influx.status === "fulfilled") started.influx = influx.value;
    if (mqtt.status === "fulfilled") started.mqtt = mqtt.value;
    if (influx.status === "rejected") {
      await stopAll();
      throw influx.reason;
    }
    if (mqtt.status === "rejected") {
      await stopAll();
      throw mqtt.reason;
    }
    setPeers({ influx: influx.value, mqtt: mqtt.value });
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(30000);
    await stopAll();
  },
};
