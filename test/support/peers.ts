// The real services shared by the whole mocha run. test/hooks/services.ts starts them in a root
// beforeAll and registers them here; tests read them through the accessors below.

import type { InfluxService, MosquittoService } from "../../scripts/services";

export type RunningInflux = InfluxService;
export type RunningMosquitto = MosquittoService;

export interface Peers {
  influx: RunningInflux;
  mqtt: RunningMosquitto;
}

let current: Peers | undefined;

/** Called by the root hooks only. */
export function setPeers(peers: Peers | undefined): void {
  current = peers;
}

function peers(what: string): Peers {
  if (current === undefined) {
    throw new Error(
      `test/support/peers: ${what}() called before the root hooks started the services (or after they ` +
        "stopped them). Run mocha with `--require test/hooks/services.ts` (the repo's .mocharc.cjs does) " +
        "and call it inside a hook or test, not at module load time.",
    );
  }
  return current;
}

/** The shared influxd (HTTP API at influx().url, auth disabled). */
export function influx(): RunningInflux {
  return peers("influx").influx;
}

/** The shared anonymous mosquitto broker (mqttBroker().url is mqtt://127.0.0.1:<port>). */
export function mqttBroker(): RunningMosquitto {
  return peers("mqttBroker").mqtt;
}

/** A name unique within this run, safe for InfluxDB databases and MQTT topics: `${prefix}_<time>_<n>`. */
let counter = 0;
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}_${Date.now().toString(36)}_${counter}`;
}
