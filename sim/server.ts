/**
 * OPC UA server publishing the packaging-line model of ./model.
 *
 * Address space (namespace URI SIMULATOR_NAMESPACE_URI, index 1 on this server, string NodeIds):
 *   Objects/Line                      ns=1;s=Line
 *   Objects/Line/<Machine>            ns=1;s=Line.<Machine>
 *   Objects/Line/<Machine>/<Variable> ns=1;s=Line.<Machine>.<Variable>
 * See docs/simulator.md for the variable table.
 */
import os from "node:os";
import path from "node:path";
import {
  DataType,
  MessageSecurityMode,
  makeEUInformation,
  type Namespace,
  OPCUACertificateManager,
  OPCUAServer,
  RegisterServerMethod,
  SecurityPolicy,
  StatusCodes,
  type UAObject,
  type UAVariable,
  VariantArrayType,
} from "node-opcua";
import {
  createLine,
  type Line,
  type LineEvent,
  type MachineOutputs,
  type MachineProfile,
  stepLine,
} from "./model";

/** The namespace of the simulator's nodes; it is namespace index 1 on this server. */
export const SIMULATOR_NAMESPACE_URI = "urn:mfgkit:line-simulator";
/** Namespace index of SIMULATOR_NAMESPACE_URI on this server. */
export const SIMULATOR_NAMESPACE_INDEX = 1;
/** Root of the simulator's NodeIds. */
export const NODE_ID_ROOT = "ns=1;s=Line";

/** The NodeId of a machine variable, e.g. nodeIdOf("Filler", "StateCurrent") = "ns=1;s=Line.Filler.StateCurrent". */
export function nodeIdOf(machine: string, variable?: string): string {
  return variable === undefined ? `${NODE_ID_ROOT}.${machine}` : `${NODE_ID_ROOT}.${machine}.${variable}`;
}

export type SimulatorDataType = "Int32" | "UInt32" | "Double" | "String" | "Boolean";

type Value = number | string | boolean;

interface Unit {
  /** UNECE Rec. 20 common code (OPC UA EUInformation). */
  code: string;
  symbol: string;
  name: string;
}

/** Description of one per-machine variable (same browse name under every machine). */
export interface MachineVariableSpec {
  name: string;
  dataType: SimulatorDataType;
  /** True for one-dimensional arrays (documented as e.g. "Double[]"). */
  array?: boolean;
  /** Unit symbol; for QualityValue it depends on the machine (see QualityUnit). */
  unit: string;
  description: string;
}

interface VariableBinding extends MachineVariableSpec {
  read(o: MachineOutputs, p: MachineProfile): Value;
  /** Engineering unit for Double variables (published as an AnalogItem with EngineeringUnits). */
  eu?(p: MachineProfile): Unit;
  range?(p: MachineProfile): { low: number; high: number };
}

const SECOND_UNIT: Unit = { code: "SEC", symbol: "s", name: "second" };

/**
 * Per-tick batches of measurements: every part measured during the last tick, so that a client
 * misses no QualityValue even when several parts complete within one tick (high --speed). Written
 * only in ticks that produced parts, so each notification is a new batch.
 */
const BATCH_VARIABLES: readonly MachineVariableSpec[] = [
  {
    name: "QualityValues",
    dataType: "Double",
    array: true,
    unit: "per machine",
    description: "QualityValue of every part measured during the last tick that produced parts, in order",
  },
  {
    name: "QualitySequences",
    dataType: "UInt32",
    array: true,
    unit: "",
    description: "PartSequence of each element of QualityValues",
  },
];

const BINDINGS: readonly VariableBinding[] = [
  {
    name: "StateCurrent",
    dataType: "Int32",
    unit: "",
    description:
      "PackML state number (ISA-TR88.00.02 / OPC 30050): 6 Execute, 5 Suspended, 11 Held, 9 Aborted, ...",
    read: (o) => o.stateCurrent,
  },
  {
    name: "UnitModeCurrent",
    dataType: "Int32",
    unit: "",
    description: "PackML unit mode: 1 Production, 2 Maintenance (while repaired after a bearing failure)",
    read: (o) => o.unitModeCurrent,
  },
  {
    name: "GoodCount",
    dataType: "UInt32",
    unit: "parts",
    description: "Good parts of the current order; reset to 0 at each order change, wraps at 2^32",
    read: (o) => o.goodCount,
  },
  {
    name: "RejectCount",
    dataType: "UInt32",
    unit: "parts",
    description: "Rejected parts of the current order; reset to 0 at each order change, wraps at 2^32",
    read: (o) => o.rejectCount,
  },
  {
    name: "IdealCycleTimeS",
    dataType: "Double",
    unit: "s",
    description: "Ideal cycle time of the current product on this machine",
    read: (o) => o.idealCycleTimeS,
    eu: () => SECOND_UNIT,
    range: () => ({ low: 0, high: 10 }),
  },
  {
    name: "ActualCycleTimeS",
    dataType: "Double",
    unit: "s",
    description: "Actual cycle time of the last produced part",
    read: (o) => o.actualCycleTimeS,
    eu: () => SECOND_UNIT,
    range: () => ({ low: 0, high: 10 }),
  },
  {
    name: "ProductId",
    dataType: "String",
    unit: "",
    description: "Product of the current order",
    read: (o) => o.productId,
  },
  {
    name: "OrderId",
    dataType: "String",
    unit: "",
    description: "Current production order",
    read: (o) => o.orderId,
  },
  {
    name: "OrderQuantity",
    dataType: "UInt32",
    unit: "parts",
    description: "Good parts to make in the current order",
    read: (o) => o.orderQuantity,
  },
  {
    name: "Speed",
    dataType: "Double",
    unit: "parts/min",
    description: "Current production rate; 0 when not in Execute",
    read: (o) => o.speed,
    eu: () => ({ code: "C94", symbol: "1/min", name: "parts per minute" }),
    range: () => ({ low: 0, high: 120 }),
  },
  {
    name: "QualityValue",
    dataType: "Double",
    unit: "per machine",
    description: "Quality characteristic measured on the last part (see QualityName / QualityUnit)",
    read: (o) => o.qualityValue,
    eu: (p) => ({ code: p.quality.uneceCode, symbol: p.quality.unit, name: p.quality.unitName }),
    range: (p) => ({
      low: p.quality.target - 10 * p.quality.sigma,
      high: p.quality.target + 10 * p.quality.sigma,
    }),
  },
  {
    name: "PartSequence",
    dataType: "UInt32",
    unit: "",
    description: "Incremented for every measured part (wraps at 2^32); tells two equal QualityValues apart",
    read: (o) => o.partSequence,
  },
  {
    name: "QualityName",
    dataType: "String",
    unit: "",
    description: "Name of the quality characteristic (constant per machine)",
    read: (_o, p) => p.quality.name,
  },
  {
    name: "QualityUnit",
    dataType: "String",
    unit: "",
    description: "Unit of QualityValue (constant per machine)",
    read: (_o, p) => p.quality.unit,
  },
  {
    name: "QualityTarget",
    dataType: "Double",
    unit: "per machine",
    description: "Nominal value of the quality characteristic (constant per machine)",
    read: (_o, p) => p.quality.target,
  },
  {
    name: "QualityLsl",
    dataType: "Double",
    unit: "per machine",
    description: "Lower specification limit; parts below are rejected (constant per machine)",
    read: (_o, p) => p.quality.lsl,
  },
  {
    name: "QualityUsl",
    dataType: "Double",
    unit: "per machine",
    description: "Upper specification limit; parts above are rejected (constant per machine)",
    read: (_o, p) => p.quality.usl,
  },
  {
    name: "VibrationRms",
    dataType: "Double",
    unit: "mm/s",
    description:
      "Bearing housing vibration velocity, r.m.s.; grows over the bearing life toward ISO 10816-3 zone D; ~0.15 when not in Execute",
    read: (o) => o.vibrationRms,
    eu: () => ({ code: "C16", symbol: "mm/s", name: "millimetre per second" }),
    range: () => ({ low: 0, high: 20 }),
  },
  {
    name: "BearingTemperature",
    dataType: "Double",
    unit: "°C",
    description: "Bearing temperature; rises with wear, cools toward ambient while stopped",
    read: (o) => o.bearingTemperature,
    eu: () => ({ code: "CEL", symbol: "°C", name: "degree Celsius" }),
    range: () => ({ low: 0, high: 150 }),
  },
  {
    name: "Fault",
    dataType: "Boolean",
    unit: "",
    description: "True while an equipment fault is active (Holding/Held, Aborting/Aborted)",
    read: (o) => o.fault,
  },
  {
    name: "AlarmText",
    dataType: "String",
    unit: "",
    description: "Text of the active alarm; empty when there is none",
    read: (o) => o.alarmText,
  },
  {
    name: "StopReason",
    dataType: "String",
    unit: "",
    description: "Why the machine is not producing (starved/blocked, fault, changeover); empty in Execute",
    read: (o) => o.stopReason,
  },
];

/** The variables under every machine folder, in the order they are created. */
export const MACHINE_VARIABLES: readonly MachineVariableSpec[] = [
  ...BINDINGS.map(({ name, dataType, unit, description }) => ({ name, dataType, unit, description })),
  ...BATCH_VARIABLES,
];

/** Variables directly under Objects/Line. */
export const LINE_VARIABLES: readonly MachineVariableSpec[] = [
  {
    name: "SimulationTimeS",
    dataType: "Double",
    unit: "s",
    description: "Simulated time since the simulator started",
  },
  {
    name: "TimeAcceleration",
    dataType: "Double",
    unit: "",
    description: "Simulated seconds per wall-clock second (the --speed flag)",
  },
];

export interface LineSimulatorOptions {
  /** TCP port; default 4840; 0 = any free port. */
  port?: number;
  /** Address to bind and to advertise in the endpoint URL; default "127.0.0.1". */
  host?: string;
  /** PRNG seed; default 1. */
  seed?: number;
  /** Time-acceleration factor (simulated ms per wall ms); default 1. */
  speed?: number;
  /** Number of machines; default 3 (Filler, Capper, Labeler, then Machine4, ...). */
  machines?: number;
  /** Operating hours from a new bearing to failure, on average; default 8. */
  lifeHours?: number;
  /** Wall-clock ms per simulation tick; default 100. */
  tickMs?: number;
  /** Initial GoodCount / RejectCount / PartSequence (to reach the UInt32 wrap quickly); default 0. */
  counterStart?: number;
  /** Message security modes offered; default ["None"]. */
  securityModes?: SimulatorSecurityMode[];
  /** Security policies offered (each with every mode above except None); default ["None"]. */
  securityPolicies?: SimulatorSecurityPolicy[];
  /** Accepted user names and passwords; default none (only anonymous access). */
  users?: SimulatorUser[];
  /** Whether anonymous sessions are accepted; default true. */
  allowAnonymous?: boolean;
  /** Adds the writable Double variable ns=1;s=Line.Setpoint (initial 0); default false. */
  writable?: boolean;
}

export type SimulatorSecurityMode = "None" | "Sign" | "SignAndEncrypt";
export type SimulatorSecurityPolicy =
  | "None"
  | "Basic256Sha256"
  | "Aes128_Sha256_RsaOaep"
  | "Aes256_Sha256_RsaPss";

export interface SimulatorUser {
  user: string;
  password: string;
}

/** NodeId of the writable variable added by the `writable` option. */
export const SETPOINT_NODE_ID = `${NODE_ID_ROOT}.Setpoint`;

export interface LineSimulator {
  /** e.g. "opc.tcp://127.0.0.1:4840" */
  endpointUrl: string;
  /** The TCP port actually bound (useful with port 0). */
  port: number;
  /** Machine names, in line order. */
  machines: string[];
  /** SIMULATOR_NAMESPACE_URI. */
  namespaceUri: string;
  /** NODE_ID_ROOT, "ns=1;s=Line". */
  nodeIdRoot: string;
  /** The local addresses the server listens on (e.g. ["127.0.0.1"]). */
  listenAddresses: string[];
  /** Sessions the server currently holds (every client session, of any user). */
  sessionCount(): number;
  /** Monitored items in all subscriptions of all current sessions. */
  monitoredItemCount(): number;
  /** The node-opcua server itself, for tests that need more. */
  server: OPCUAServer;
  /** Stops ticking and shuts the server down; safe to call more than once. */
  stop(): Promise<void>;
}

/** Folder holding the PKI stores (node-opcua creates a self-signed certificate there once). */
export function simulatorPkiFolder(): string {
  return path.join(os.tmpdir(), "mfgkit-line-simulator", "pki");
}

function toDataType(t: SimulatorDataType): DataType {
  switch (t) {
    case "Int32":
      return DataType.Int32;
    case "UInt32":
      return DataType.UInt32;
    case "Double":
      return DataType.Double;
    case "String":
      return DataType.String;
    case "Boolean":
      return DataType.Boolean;
  }
}

/** Sampling rate the variables can be sampled at (node-opcua defaults to 1 s otherwise). */
const MINIMUM_SAMPLING_INTERVAL_MS = 50;

interface Published {
  variable: UAVariable;
  dataType: DataType;
  read: () => Value;
  last: Value;
}

function addVariable(
  ns: Namespace,
  parent: UAObject,
  nodeId: string,
  spec: MachineVariableSpec,
  initial: Value | number[],
  eu?: Unit,
  range?: { low: number; high: number },
): UAVariable {
  const common = {
    componentOf: parent,
    browseName: spec.name,
    nodeId: `s=${nodeId.slice(`ns=${SIMULATOR_NAMESPACE_INDEX};s=`.length)}`,
    description: spec.description,
    minimumSamplingInterval: MINIMUM_SAMPLING_INTERVAL_MS,
    accessLevel: "CurrentRead",
    userAccessLevel: "CurrentRead",
  } as const;
  const dataType = toDataType(spec.dataType);
  if (spec.array) {
    return ns.addVariable({
      ...common,
      dataType: spec.dataType,
      valueRank: 1,
      arrayDimensions: [0],
      value: { dataType, arrayType: VariantArrayType.Array, value: initial },
    });
  }
  if (eu && range) {
    return ns.addAnalogDataItem({
      ...common,
      dataType: "Double",
      engineeringUnits: makeEUInformation(eu.code, eu.symbol, eu.name),
      engineeringUnitsRange: range,
      value: { dataType, value: initial },
    });
  }
  return ns.addVariable({
    ...common,
    dataType: spec.dataType,
    value: { dataType, value: initial },
  });
}

function validate(opts: LineSimulatorOptions): Required<LineSimulatorOptions> {
  const r: Required<LineSimulatorOptions> = {
    securityModes: opts.securityModes ?? ["None"],
    securityPolicies: opts.securityPolicies ?? ["None"],
    users: opts.users ?? [],
    allowAnonymous: opts.allowAnonymous ?? true,
    writable: opts.writable ?? false,
    port: opts.port ?? 4840,
    host: opts.host ?? "127.0.0.1",
    seed: opts.seed ?? 1,
    speed: opts.speed ?? 1,
    machines: opts.machines ?? 3,
    lifeHours: opts.lifeHours ?? 8,
    tickMs: opts.tickMs ?? 100,
    counterStart: opts.counterStart ?? 0,
  };
  if (!Number.isInteger(r.port) || r.port < 0 || r.port > 65535) {
    throw new RangeError(`port must be an integer in 0..65535, got ${r.port}`);
  }
  if (!(Number.isFinite(r.speed) && r.speed > 0)) throw new RangeError(`speed must be > 0, got ${r.speed}`);
  if (!(Number.isFinite(r.tickMs) && r.tickMs >= 10))
    throw new RangeError(`tickMs must be >= 10, got ${r.tickMs}`);
  if (r.host.length === 0) throw new RangeError("host must not be empty");
  return r;
}

/** Writes QualityValues / QualitySequences of the machines that measured parts during the tick. */
function publishBatches(
  events: readonly LineEvent[],
  batches: ReadonlyArray<{ values: UAVariable; sequences: UAVariable }>,
  now: Date,
): void {
  const parts = new Map<number, { values: number[]; sequences: number[] }>();
  for (const e of events) {
    if (e.kind !== "part") continue;
    let batch = parts.get(e.machine);
    if (!batch) {
      batch = { values: [], sequences: [] };
      parts.set(e.machine, batch);
    }
    batch.values.push(e.value);
    batch.sequences.push(e.sequence);
  }
  for (const [machine, batch] of parts) {
    const target = batches[machine];
    if (!target) continue;
    target.values.setValueFromSource(
      {
        dataType: DataType.Double,
        arrayType: VariantArrayType.Array,
        value: Float64Array.from(batch.values),
      },
      StatusCodes.Good,
      now,
    );
    target.sequences.setValueFromSource(
      {
        dataType: DataType.UInt32,
        arrayType: VariantArrayType.Array,
        value: Uint32Array.from(batch.sequences),
      },
      StatusCodes.Good,
      now,
    );
  }
}

/** Local addresses of the listening sockets, read from node-opcua's endpoint objects. */
function listeningAddresses(server: OPCUAServer): string[] {
  const out: string[] = [];
  for (const endpoint of server.endpoints) {
    const netServer: unknown = Reflect.get(endpoint, "_server");
    if (typeof netServer !== "object" || netServer === null) continue;
    const addressFn: unknown = Reflect.get(netServer, "address");
    if (typeof addressFn !== "function") continue;
    const address: unknown = Reflect.apply(addressFn, netServer, []);
    if (typeof address === "object" && address !== null) {
      const a: unknown = Reflect.get(address, "address");
      if (typeof a === "string") out.push(a);
    }
  }
  return out;
}

/**
 * Starts the line simulator: an OPC UA server (by default SecurityPolicy None, anonymous; see the
 * security options) bound to `host`
 * (127.0.0.1 by default) whose variables follow the line model, advanced every `tickMs` wall ms by
 * `tickMs * speed` simulated ms.
 */
export async function startLineSimulator(opts: LineSimulatorOptions = {}): Promise<LineSimulator> {
  const o = validate(opts);
  const dtMs = o.tickMs * o.speed;
  // Every state lasts at least two ticks, so a client sampling StateCurrent sees each of them.
  const line: Line = createLine({
    seed: o.seed,
    machines: o.machines,
    lifeHours: o.lifeHours,
    counterStart: o.counterStart,
    minStateMs: 2 * dtMs,
  });

  const pki = simulatorPkiFolder();
  const serverCertificateManager = new OPCUACertificateManager({
    name: "PKI",
    rootFolder: path.join(pki, "server"),
    automaticallyAcceptUnknownCertificate: true,
    disableFileWatchers: true,
  });
  const userCertificateManager = new OPCUACertificateManager({
    name: "UserPKI",
    rootFolder: path.join(pki, "user"),
    automaticallyAcceptUnknownCertificate: true,
    disableFileWatchers: true,
  });

  const users = o.users.map((u) => ({ ...u }));
  const server = new OPCUAServer({
    port: o.port,
    host: o.host,
    hostname: o.host,
    securityPolicies: o.securityPolicies.map((p) => SecurityPolicy[p]),
    securityModes: o.securityModes.map((m) => MessageSecurityMode[m]),
    allowAnonymous: o.allowAnonymous,
    ...(users.length > 0
      ? {
          userManager: {
            isValidUser: (userName: string, password: string): boolean =>
              users.some((u) => u.user === userName && u.password === password),
          },
        }
      : {}),
    disableDiscovery: false,
    registerServerMethod: RegisterServerMethod.HIDDEN,
    serverCertificateManager,
    userCertificateManager,
    isAuditing: false,
    serverInfo: {
      applicationUri: SIMULATOR_NAMESPACE_URI,
      productUri: SIMULATOR_NAMESPACE_URI,
      applicationName: { text: "mfgkit line simulator", locale: "en" },
    },
    buildInfo: {
      productName: "mfgkit line simulator",
      productUri: SIMULATOR_NAMESPACE_URI,
      manufacturerName: "mfgkit",
      softwareVersion: "0.1.0",
    },
  });

  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  if (!addressSpace) throw new Error("OPC UA address space not initialised");
  const ns = addressSpace.getOwnNamespace();
  if (ns.namespaceUri !== SIMULATOR_NAMESPACE_URI || ns.index !== SIMULATOR_NAMESPACE_INDEX) {
    throw new Error(`unexpected own namespace ${ns.index} ${ns.namespaceUri}`);
  }

  const published: Published[] = [];
  const batches: Array<{ values: UAVariable; sequences: UAVariable }> = [];
  const lineFolder = ns.addFolder(addressSpace.rootFolder.objects, {
    browseName: "Line",
    nodeId: "s=Line",
    description: "Simulated packaging line",
  });
  const lineValues: Record<string, () => Value> = {
    SimulationTimeS: () => line.timeMs / 1000,
    TimeAcceleration: () => o.speed,
  };
  for (const spec of LINE_VARIABLES) {
    const read = lineValues[spec.name];
    if (!read) throw new Error(`no value for ${spec.name}`);
    const unit = spec.unit === "s" ? SECOND_UNIT : undefined;
    const variable = addVariable(
      ns,
      lineFolder,
      `${NODE_ID_ROOT}.${spec.name}`,
      spec,
      read(),
      unit,
      unit ? { low: 0, high: 1e9 } : undefined,
    );
    published.push({ variable, dataType: toDataType(spec.dataType), read, last: read() });
  }
  for (const machine of line.machines) {
    const folder = ns.addFolder(lineFolder, {
      browseName: machine.name,
      nodeId: `s=Line.${machine.name}`,
      description: `${machine.name} (measures ${machine.profile.quality.name} in ${machine.profile.quality.unit})`,
    });
    for (const b of BINDINGS) {
      const read = (): Value => b.read(machine.out, machine.profile);
      const variable = addVariable(
        ns,
        folder,
        nodeIdOf(machine.name, b.name),
        b,
        read(),
        b.eu?.(machine.profile),
        b.range?.(machine.profile),
      );
      published.push({ variable, dataType: toDataType(b.dataType), read, last: read() });
    }
    const [valuesSpec, sequencesSpec] = BATCH_VARIABLES;
    if (!valuesSpec || !sequencesSpec) throw new Error("batch variables missing");
    batches.push({
      values: addVariable(ns, folder, nodeIdOf(machine.name, valuesSpec.name), valuesSpec, []),
      sequences: addVariable(ns, folder, nodeIdOf(machine.name, sequencesSpec.name), sequencesSpec, []),
    });
  }

  if (o.writable) {
    ns.addVariable({
      componentOf: lineFolder,
      browseName: "Setpoint",
      nodeId: `s=${SETPOINT_NODE_ID.slice(`ns=${SIMULATOR_NAMESPACE_INDEX};s=`.length)}`,
      description: "Writable test variable (option writable)",
      dataType: "Double",
      minimumSamplingInterval: MINIMUM_SAMPLING_INTERVAL_MS,
      accessLevel: "CurrentRead | CurrentWrite",
      userAccessLevel: "CurrentRead | CurrentWrite",
      value: { dataType: DataType.Double, value: 0 },
    });
  }

  const startedAt = new Date();
  for (const p of published)
    p.variable.setValueFromSource({ dataType: p.dataType, value: p.last }, StatusCodes.Good, startedAt);

  await server.start();

  const tick = (): void => {
    const events = stepLine(line, dtMs);
    const now = new Date();
    for (const p of published) {
      const value = p.read();
      if (value !== p.last) {
        p.last = value;
        p.variable.setValueFromSource({ dataType: p.dataType, value }, StatusCodes.Good, now);
      }
    }
    publishBatches(events, batches, now);
  };
  const timer = setInterval(tick, o.tickMs);
  timer.unref();

  const endpoint = server.endpoints[0];
  const port = endpoint ? endpoint.port : o.port;
  const endpointUrl = `opc.tcp://${o.host.includes(":") ? `[${o.host}]` : o.host}:${port}`;
  let stopping: Promise<void> | undefined;
  return {
    endpointUrl,
    port,
    machines: line.machines.map((m) => m.name),
    namespaceUri: SIMULATOR_NAMESPACE_URI,
    nodeIdRoot: NODE_ID_ROOT,
    listenAddresses: listeningAddresses(server),
    server,
    sessionCount: () => server.engine.currentSessionCount,
    monitoredItemCount: () => {
      let n = 0;
      for (const session of server.engine.getSessions()) {
        for (const subscription of session.publishEngine.subscriptions) n += subscription.monitoredItemCount;
      }
      return n;
    },
    stop(): Promise<void> {
      if (!stopping) {
        clearInterval(timer);
        stopping = server.shutdown(0);
      }
      return stopping;
    },
  };
}
