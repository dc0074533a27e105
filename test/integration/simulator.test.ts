// The OPC UA line simulator in-process on a free port, driven by a real node-opcua client: browse,
// read every documented variable, subscribe, and check that the server listens on 127.0.0.1 only.

import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import {
  AttributeIds,
  BrowseDirection,
  type ClientMonitoredItem,
  type ClientSession,
  type ClientSubscription,
  DataType,
  type DataValue,
  MessageSecurityMode,
  makeBrowsePath,
  NodeClass,
  OPCUACertificateManager,
  OPCUAClient,
  resolveNodeId,
  SecurityPolicy,
  StatusCodes,
  TimestampsToReturn,
  VariantArrayType,
} from "node-opcua";
import { PACKML_STATE, UINT32_MODULUS } from "../../sim/model";
import {
  type LineSimulator,
  MACHINE_VARIABLES,
  nodeIdOf,
  SIMULATOR_NAMESPACE_URI,
  simulatorPkiFolder,
  startLineSimulator,
} from "../../sim/server";
import { until, within } from "../support/wait";

const WAIT_MS = 20_000;
const COUNTER_START = UINT32_MODULUS - 30;
const DOCS = path.resolve(__dirname, "../../docs/simulator.md");

/** The machine-variable rows of docs/simulator.md: name -> data type. */
function documentedVariables(): Map<string, string> {
  const rows = new Map<string, string>();
  const re = /^\| `ns=1;s=Line\.<Machine>\.(\w+)` \| (\w+(?:\[\])?) \|/;
  for (const line of fs.readFileSync(DOCS, "utf8").split("\n")) {
    const m = re.exec(line);
    if (m?.[1] && m[2]) rows.set(m[1], m[2]);
  }
  return rows;
}

/** Local addresses of the TCP sockets listening on `port`, from /proc/net/tcp{,6} (Linux). */
function procListenAddresses(port: number): string[] {
  const out: string[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    if (!fs.existsSync(file)) continue;
    for (const line of fs.readFileSync(file, "utf8").split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      if (!local || cols[3] !== "0A") continue; // 0A = LISTEN
      const [hexAddr, hexPort] = local.split(":");
      if (!hexAddr || !hexPort || Number.parseInt(hexPort, 16) !== port) continue;
      out.push(hexAddr);
    }
  }
  return out;
}

/** Resolves with the error code of a TCP connection attempt ("connected" if it succeeded). */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(5_000);
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve("timeout");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

interface Seen {
  values: Array<number | string | boolean>;
  dataTypes: DataType[];
  sourceTimestamps: Date[];
}

/** A monitored item on one of the Filler's variables: 50 ms sampling, both timestamps. */
function monitorFiller(subscription: ClientSubscription, name: string): Promise<ClientMonitoredItem> {
  return within(
    subscription.monitor(
      { nodeId: nodeIdOf("Filler", name), attributeId: AttributeIds.Value },
      { samplingInterval: 50, discardOldest: true, queueSize: 100 },
      TimestampsToReturn.Both,
    ),
    WAIT_MS,
    `monitor ${name}`,
  );
}

describe("sim/server: OPC UA line simulator", function () {
  // every wait below is bounded by WAIT_MS; this is the bound of the whole test
  this.timeout(4 * WAIT_MS);
  let sim: LineSimulator | undefined;
  let client: OPCUAClient | undefined;
  let session: ClientSession | undefined;
  let subscription: ClientSubscription | undefined;
  let clientCertificateManager: OPCUACertificateManager | undefined;
  const startedAt = new Date();

  before(async () => {
    sim = await within(
      startLineSimulator({ port: 0, speed: 20, seed: 1, counterStart: COUNTER_START }),
      WAIT_MS,
      "simulator start",
    );
    clientCertificateManager = new OPCUACertificateManager({
      name: "PKI",
      rootFolder: path.join(simulatorPkiFolder(), "test-client"),
      automaticallyAcceptUnknownCertificate: true,
      disableFileWatchers: true,
    });
    client = OPCUAClient.create({
      applicationName: "mfgkit-simulator-test",
      securityMode: MessageSecurityMode.None,
      securityPolicy: SecurityPolicy.None,
      endpointMustExist: false,
      keepSessionAlive: false,
      connectionStrategy: { maxRetry: 2, initialDelay: 200, maxDelay: 1000 },
      clientCertificateManager,
    });
    await within(client.connect(sim.endpointUrl), WAIT_MS, "client connect");
    session = await within(client.createSession(), WAIT_MS, "session");
  });

  after(async () => {
    await subscription?.terminate();
    await session?.close();
    await client?.disconnect();
    await sim?.stop();
    await clientCertificateManager?.dispose();
  });

  function s(): ClientSession {
    assert.ok(session, "no session");
    return session;
  }

  it("listens on 127.0.0.1 only", async () => {
    assert.ok(sim, "no simulator");
    assert.match(sim.endpointUrl, /^opc\.tcp:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(sim.port > 0, `port ${sim.port}`);
    assert.equal(sim.endpointUrl, `opc.tcp://127.0.0.1:${sim.port}`);
    assert.deepEqual(sim.listenAddresses, ["127.0.0.1"]);
    // every endpoint the server advertises is on 127.0.0.1
    assert.ok(client, "no client");
    const endpoints = await client.getEndpoints();
    assert.ok(endpoints.length > 0, "no endpoints");
    for (const e of endpoints) assert.equal(e.endpointUrl, sim.endpointUrl);
    // the operating system agrees: no wildcard listener on the port
    if (process.platform === "linux") {
      assert.deepEqual(procListenAddresses(sim.port), ["0100007F"]);
    }
    // and the port is closed on every other address of this host
    for (const addrs of Object.values(os.networkInterfaces())) {
      for (const a of addrs ?? []) {
        if (a.internal || a.address.startsWith("fe80")) continue;
        assert.equal(await tryConnect(a.address, sim.port), "ECONNREFUSED", `reachable on ${a.address}`);
      }
    }
  });

  it("registers its namespace as index 1", async () => {
    const dv = await s().read({ nodeId: "i=2255", attributeId: AttributeIds.Value });
    const uris: unknown = dv.value.value;
    assert.ok(Array.isArray(uris), "NamespaceArray is not an array");
    assert.equal(uris[1], SIMULATOR_NAMESPACE_URI);
  });

  it("has Objects/Line/<Machine> folders for every machine", async () => {
    assert.ok(sim, "no simulator");
    const objects = await s().browse({
      nodeId: "i=85",
      browseDirection: BrowseDirection.Forward,
      resultMask: 63,
    });
    const lineRef = objects.references?.find((r) => r.browseName.name === "Line");
    assert.ok(lineRef, "no Objects/Line");
    assert.equal(lineRef.nodeId.toString(), "ns=1;s=Line");
    assert.equal(lineRef.browseName.namespaceIndex, 1);
    const children = await s().browse({
      nodeId: "ns=1;s=Line",
      browseDirection: BrowseDirection.Forward,
      resultMask: 63,
    });
    const machines = (children.references ?? []).filter((r) => r.nodeClass === NodeClass.Object);
    assert.deepEqual(
      machines.map((r) => r.browseName.name),
      ["Filler", "Capper", "Labeler"],
    );
    assert.deepEqual(sim.machines, ["Filler", "Capper", "Labeler"]);
    for (const m of machines) assert.equal(m.nodeId.toString(), nodeIdOf(m.browseName.name ?? ""));
    // line variables; the simulated time advances with the ticks (the first one may not have run yet)
    const [acceleration] = await s().read([
      { nodeId: "ns=1;s=Line.TimeAcceleration", attributeId: AttributeIds.Value },
    ]);
    assert.equal(acceleration?.value.value, 20);
    let simTime = 0;
    await within(
      (async () => {
        while (simTime <= 0) {
          const dv = await s().read({
            nodeId: "ns=1;s=Line.SimulationTimeS",
            attributeId: AttributeIds.Value,
          });
          assert.equal(dv.value.dataType, DataType.Double);
          simTime = Number(dv.value.value);
          if (simTime <= 0) await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })(),
      WAIT_MS,
      "SimulationTimeS to advance",
    );
    // every documented variable is a child of the machine folder
    const filler = await s().browse({ nodeId: nodeIdOf("Filler"), resultMask: 63 });
    const names = new Set((filler.references ?? []).map((r) => r.browseName.name));
    for (const v of MACHINE_VARIABLES) assert.ok(names.has(v.name), `Filler has no ${v.name}`);
  });

  it("documents every machine variable in docs/simulator.md with its data type", () => {
    const documented = documentedVariables();
    assert.deepEqual([...documented.keys()].sort(), MACHINE_VARIABLES.map((v) => v.name).sort());
    for (const v of MACHINE_VARIABLES) {
      assert.equal(documented.get(v.name), v.array ? `${v.dataType}[]` : v.dataType, v.name);
    }
  });

  it("serves every documented variable of a machine with its data type", async () => {
    const documented = documentedVariables();
    assert.ok(documented.size >= 20, `${documented.size} documented variables`);
    for (const [name, documentedType] of documented) {
      const isArray = documentedType.endsWith("[]");
      const typeName = isArray ? documentedType.slice(0, -2) : documentedType;
      const nodeId = nodeIdOf("Filler", name);
      const [value, dataTypeAttr, sampling] = await s().read([
        { nodeId, attributeId: AttributeIds.Value },
        { nodeId, attributeId: AttributeIds.DataType },
        { nodeId, attributeId: AttributeIds.MinimumSamplingInterval },
      ]);
      assert.ok(value && dataTypeAttr && sampling, `${name}: no answer`);
      assert.equal(value.statusCode.name, StatusCodes.Good.name, `${name}: ${value.statusCode.toString()}`);
      const expected = DataType[typeName as keyof typeof DataType];
      assert.equal(
        value.value.dataType,
        expected,
        `${name}: value data type ${DataType[value.value.dataType]}`,
      );
      assert.equal(
        value.value.arrayType,
        isArray ? VariantArrayType.Array : VariantArrayType.Scalar,
        `${name}: array type`,
      );
      assert.equal(
        dataTypeAttr.value.value?.toString(),
        resolveNodeId(typeName).toString(),
        `${name}: DataType attribute`,
      );
      assert.equal(sampling.value.value, 50, `${name}: MinimumSamplingInterval`);
      assert.ok(value.sourceTimestamp, `${name}: no source timestamp`);
    }
    const read = async (name: string): Promise<unknown> =>
      (await s().read({ nodeId: nodeIdOf("Filler", name), attributeId: AttributeIds.Value })).value.value;
    const state = await read("StateCurrent");
    assert.ok(
      Object.values(PACKML_STATE).some((n) => n === state),
      `StateCurrent ${state}`,
    );
    assert.ok([1, 2].includes(Number(await read("UnitModeCurrent"))), "UnitModeCurrent");
    assert.equal(await read("QualityName"), "FillVolume");
    assert.equal(await read("QualityUnit"), "ml");
    assert.equal(await read("QualityTarget"), 500);
    const ideal = Number(await read("IdealCycleTimeS"));
    assert.ok(ideal >= 1 && ideal <= 3, `IdealCycleTimeS ${ideal}`);
    assert.match(String(await read("OrderId")), /^ORD-FIL-\d+$/);
  });

  it("publishes engineering units on analog variables", async () => {
    const result = await s().translateBrowsePath(
      makeBrowsePath(nodeIdOf("Filler", "VibrationRms"), "/0:EngineeringUnits"),
    );
    const target = result.targets?.[0];
    assert.ok(target, `no EngineeringUnits: ${result.statusCode.toString()}`);
    const dv = await s().read({ nodeId: target.targetId, attributeId: AttributeIds.Value });
    const eu: unknown = dv.value.value;
    assert.ok(
      eu && typeof eu === "object" && "displayName" in eu,
      "EngineeringUnits is not an EUInformation",
    );
    assert.equal(String((eu as { displayName: { text: string } }).displayName.text), "mm/s");
  });

  it("notifies GoodCount, QualityValue and PartSequence changes, wrapping the UInt32 counters", async () => {
    subscription = await s().createSubscription2({
      requestedPublishingInterval: 100,
      requestedLifetimeCount: 600,
      requestedMaxKeepAliveCount: 20,
      maxNotificationsPerPublish: 1000,
      publishingEnabled: true,
      priority: 1,
    });
    const seen = new Map<string, Seen>();
    const items: ClientMonitoredItem[] = [];
    for (const name of ["GoodCount", "QualityValue", "PartSequence", "StateCurrent"]) {
      const entry: Seen = { values: [], dataTypes: [], sourceTimestamps: [] };
      seen.set(name, entry);
      const item = await monitorFiller(subscription, name);
      item.on("changed", (dv: DataValue) => {
        entry.values.push(dv.value.value);
        entry.dataTypes.push(dv.value.dataType);
        if (dv.sourceTimestamp) entry.sourceTimestamps.push(dv.sourceTimestamp);
      });
      items.push(item);
    }
    // the variables' MinimumSamplingInterval lets the server sample at the requested 50 ms
    for (const item of items) assert.equal(item.result?.revisedSamplingInterval, 50);

    const get = (name: string): Seen => {
      const e = seen.get(name);
      assert.ok(e, name);
      return e;
    };
    const distinct = (name: string) => new Set(get(name).values).size;
    await until(() => distinct("GoodCount") >= 3, WAIT_MS, "GoodCount changes");
    await until(() => distinct("QualityValue") >= 3, WAIT_MS, "QualityValue changes");
    // The counters start 30 below 2^32 and the first order is at least 300 parts: GoodCount below
    // its start value means it wrapped from 4294967295 to 0; PartSequence is never reset, only wraps.
    await until(
      () => get("GoodCount").values.some((v) => typeof v === "number" && v < COUNTER_START),
      WAIT_MS * 2,
      "GoodCount wrap",
    );
    await until(
      () => get("PartSequence").values.some((v) => typeof v === "number" && v < COUNTER_START),
      WAIT_MS,
      "PartSequence wrap",
    );

    const now = new Date();
    for (const [name, e] of seen) {
      const expected =
        name === "QualityValue"
          ? DataType.Double
          : name === "StateCurrent"
            ? DataType.Int32
            : DataType.UInt32;
      assert.ok(
        e.dataTypes.every((t) => t === expected),
        `${name}: data types ${[...new Set(e.dataTypes)]}`,
      );
      assert.ok(e.sourceTimestamps.length === e.values.length, `${name}: missing source timestamps`);
      for (const t of e.sourceTimestamps) {
        assert.ok(
          t >= new Date(startedAt.getTime() - 1000) && t <= now,
          `${name}: source timestamp ${t.toISOString()}`,
        );
      }
    }
    for (const v of [...get("GoodCount").values, ...get("PartSequence").values]) {
      assert.ok(typeof v === "number" && Number.isInteger(v) && v >= 0 && v < UINT32_MODULUS, `counter ${v}`);
    }
    const fills = get("QualityValue").values.filter((v): v is number => typeof v === "number");
    assert.ok(
      fills.every((v) => v > 490 && v < 510),
      `fill volumes ${fills.slice(0, 5)}`,
    );
    const states = new Set<unknown>(Object.values(PACKML_STATE));
    assert.ok(
      get("StateCurrent").values.every((v) => states.has(v)),
      `states ${get("StateCurrent").values}`,
    );
  });

  it("publishes every measured part in the QualityValues / QualitySequences batches", async () => {
    assert.ok(subscription, "no subscription");
    const batches = new Map<string, { values?: number[]; sequences?: number[] }>();
    const qualityByTime = new Map<string, number>();
    const listen = async (name: string, onValue: (key: string, value: unknown) => void): Promise<void> => {
      assert.ok(subscription, "no subscription");
      const item = await monitorFiller(subscription, name);
      item.on("changed", (dv: DataValue) => {
        if (dv.sourceTimestamp) onValue(dv.sourceTimestamp.toISOString(), dv.value.value);
      });
    };
    const batch = (key: string) => {
      let b = batches.get(key);
      if (!b) {
        b = {};
        batches.set(key, b);
      }
      return b;
    };
    const numbers = (v: unknown): number[] =>
      v instanceof Float64Array || v instanceof Uint32Array || Array.isArray(v) ? Array.from(v, Number) : [];
    await listen("QualityValues", (key, v) => {
      batch(key).values = numbers(v);
    });
    await listen("QualitySequences", (key, v) => {
      batch(key).sequences = numbers(v);
    });
    await listen("QualityValue", (key, v) => {
      if (typeof v === "number") qualityByTime.set(key, v);
    });
    const complete = () =>
      [...batches.values()].filter(
        (b) => b.values && b.sequences && b.values.length > 0 && b.sequences.length > 0,
      );
    await until(() => complete().length >= 5, WAIT_MS, "5 batches of measurements");

    let paired = 0;
    for (const [key, b] of batches) {
      if (!b.values || !b.sequences || b.values.length === 0) continue;
      assert.equal(b.values.length, b.sequences.length, `batch ${key}: lengths`);
      b.sequences.forEach((seq, i) => {
        if (i > 0)
          assert.equal(seq, ((b.sequences?.[i - 1] ?? 0) + 1) % UINT32_MODULUS, `batch ${key}: sequence`);
      });
      for (const v of b.values) assert.ok(v > 490 && v < 510, `batch ${key}: fill volume ${v}`);
      // the last part of a batch is the QualityValue written in the same tick
      const q = qualityByTime.get(key);
      if (q !== undefined) {
        assert.equal(b.values[b.values.length - 1], q, `batch ${key}: last value`);
        paired++;
      }
    }
    assert.ok(paired > 0, "no batch written in the same tick as a QualityValue notification");
  });
});
