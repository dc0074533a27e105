/**
 * Deterministic model of a packaging line (Filler, Capper, Labeler, Machine4, ...).
 *
 * PURE: no clock reads, no timers, no I/O. All randomness comes from seeded sfc32 generators kept in
 * the line object, so the same seed and the same sequence of `stepLine` calls give an identical
 * trajectory. Each machine has two independent random streams:
 *
 * - an event stream (state machine, stops, orders, parts, quality values): these are simulated
 *   event by event inside a step, so the state/part trajectory does not depend on how simulated time
 *   is cut into steps;
 * - a sensor stream (vibration and temperature measurement noise), drawn once per `stepLine` call.
 *
 * State numbers and transitions follow the flattened PackML state machine (ISA-TR88.00.02 /
 * OPC 30050), see shared/reference/state-models.json `packml_flat`.
 */

/** PackML `StateCurrent` numbers (OPC 30050 StateNumber). */
export const PACKML_STATE = {
  Undefined: 0,
  Clearing: 1,
  Stopped: 2,
  Starting: 3,
  Idle: 4,
  Suspended: 5,
  Execute: 6,
  Stopping: 7,
  Aborting: 8,
  Aborted: 9,
  Holding: 10,
  Held: 11,
  Unholding: 12,
  Suspending: 13,
  Unsuspending: 14,
  Resetting: 15,
  Completing: 16,
  Complete: 17,
} as const;

export type PackMLStateName = keyof typeof PACKML_STATE;
export type PackMLState = (typeof PACKML_STATE)[PackMLStateName];

/** PackML unit modes used by the simulator (OPC 30050 ProductionMaintenanceModeEnum). */
export const UNIT_MODE = { Production: 1, Maintenance: 2 } as const;

/** UInt32 counters wrap at 2^32. */
export const UINT32_MODULUS = 4294967296;

/** Ambient temperature around the machines, degC. */
export const AMBIENT_TEMPERATURE_C = 25;

/**
 * Vibration limit that ends a machine's life: ISO 10816-3 group 2 (15-300 kW), flexible support,
 * zone C/D boundary, mm/s r.m.s. Machines fail somewhat above it (zone D).
 */
export const VIBRATION_ZONE_D_MM_S = 7.1;

// ---------------------------------------------------------------------------------------------
// Random numbers: splitmix32 seeding, sfc32 generator, Box-Muller normal variates.

/** State of one sfc32 generator (four 32-bit words). */
export interface RngState {
  a: number;
  b: number;
  c: number;
  d: number;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A generator for `seed` and an independent `stream` number (e.g. machine index and purpose). */
export function createRng(seed: number, stream = 0): RngState {
  const mix = { s: (Math.imul(seed | 0, 0x2c1b3c6d) ^ Math.imul(stream + 1, 0x297a2d39)) | 0 };
  const rng: RngState = { a: splitmix32(mix), b: splitmix32(mix), c: splitmix32(mix), d: splitmix32(mix) };
  for (let i = 0; i < 16; i++) nextUint32(rng);
  return rng;
}

/** sfc32: next unsigned 32-bit integer. */
export function nextUint32(r: RngState): number {
  const t = (((r.a + r.b) | 0) + r.d) | 0;
  r.d = (r.d + 1) | 0;
  r.a = r.b ^ (r.b >>> 9);
  r.b = (r.c + (r.c << 3)) | 0;
  r.c = (r.c << 21) | (r.c >>> 11);
  r.c = (r.c + t) | 0;
  return t >>> 0;
}

/** Uniform in [0, 1). */
export function uniform(r: RngState): number {
  return nextUint32(r) / UINT32_MODULUS;
}

/** Uniform in [lo, hi). */
export function uniformIn(r: RngState, lo: number, hi: number): number {
  return lo + (hi - lo) * uniform(r);
}

/** Standard normal variate (Box-Muller; one of the pair is used, so no hidden cached state). */
export function normal(r: RngState): number {
  const u1 = 1 - uniform(r); // (0, 1]
  const u2 = uniform(r);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Exponential variate with the given mean. */
export function exponential(r: RngState, mean: number): number {
  return -mean * Math.log(1 - uniform(r));
}

/** Log-normal variate with the given median and log-space sigma, clamped to [lo, hi]. */
function lognormalClamped(r: RngState, median: number, sigma: number, lo: number, hi: number): number {
  return clamp(median * Math.exp(sigma * normal(r)), lo, hi);
}

function pick<T>(r: RngState, items: readonly T[]): T {
  const item = items[Math.floor(uniform(r) * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

// ---------------------------------------------------------------------------------------------
// Machine profiles and products.

/** The quality characteristic a machine measures on every produced part. */
export interface QualityCharacteristic {
  /** Name of the characteristic, e.g. "FillVolume". */
  name: string;
  /** Unit symbol, e.g. "ml". */
  unit: string;
  /** UNECE Rec. 20 common code of the unit (OPC UA EUInformation). */
  uneceCode: string;
  /** Long unit name. */
  unitName: string;
  description: string;
  target: number;
  /** Short-term (within-subgroup) standard deviation of the in-control process. */
  sigma: number;
  /** Lower and upper specification limits; parts outside are rejected. */
  lsl: number;
  usl: number;
}

export interface MachineProfile {
  name: string;
  quality: QualityCharacteristic;
  /** Multiplier on a product's base cycle time for this machine. */
  cycleFactor: number;
  /** Actual cycle time / ideal cycle time of a healthy machine (>= 1). */
  slowFactor: number;
  /** Reasons of micro-stops (starved / blocked, state Suspended). */
  microStopReasons: readonly string[];
  /** Equipment faults that hold the machine (state Held). */
  holdAlarms: readonly string[];
}

export interface Product {
  id: string;
  /** Base ideal cycle time in seconds, before the machine's cycle factor. */
  baseCycleS: number;
}

export const PRODUCTS: readonly Product[] = [
  { id: "WATER-500-STILL", baseCycleS: 1.2 },
  { id: "WATER-500-SPARKLING", baseCycleS: 1.5 },
  { id: "TEA-500-LEMON", baseCycleS: 1.6 },
  { id: "JUICE-500-ORANGE", baseCycleS: 1.9 },
  { id: "JUICE-500-APPLE-PULP", baseCycleS: 2.6 },
];

const NAMED_PROFILES: readonly MachineProfile[] = [
  {
    name: "Filler",
    quality: {
      name: "FillVolume",
      unit: "ml",
      uneceCode: "MLT",
      unitName: "millilitre",
      description: "Fill volume of the bottle",
      target: 500,
      sigma: 0.8,
      lsl: 497,
      usl: 503,
    },
    cycleFactor: 1.0,
    slowFactor: 1.06,
    microStopReasons: ["Starved: no bottles at infeed", "Blocked: capper infeed full"],
    holdAlarms: ["Filling valve 7 blocked", "Product tank level low", "Bottle jam at infeed star wheel"],
  },
  {
    name: "Capper",
    quality: {
      name: "CapTorque",
      unit: "N·m",
      uneceCode: "NU",
      unitName: "newton metre",
      description: "Application torque of the cap",
      target: 2.2,
      sigma: 0.05,
      lsl: 2.0,
      usl: 2.4,
    },
    cycleFactor: 0.95,
    slowFactor: 1.05,
    microStopReasons: [
      "Starved: no bottles from filler",
      "Starved: cap hopper low",
      "Blocked: labeler infeed full",
    ],
    holdAlarms: ["Cap chute empty", "Cap feeder jam", "Capping head 3 torque fault"],
  },
  {
    name: "Labeler",
    quality: {
      name: "LabelOffset",
      unit: "mm",
      uneceCode: "MMT",
      unitName: "millimetre",
      description: "Vertical offset of the label from its nominal position",
      target: 0,
      sigma: 0.15,
      lsl: -0.6,
      usl: 0.6,
    },
    cycleFactor: 1.05,
    slowFactor: 1.08,
    microStopReasons: ["Starved: no bottles from capper", "Blocked: case packer infeed full"],
    holdAlarms: ["Label web break", "Glue temperature low", "Label reel empty"],
  },
];

const RANDOM_ABORT_REASONS: readonly string[] = [
  "Emergency stop pressed",
  "Main drive trip",
  "Safety light curtain interrupted",
];

/** Machine names: Filler, Capper, Labeler, then Machine4, Machine5, ... */
export function machineNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => machineProfile(i).name);
}

/** The profile of the machine at position `index` (0-based) of the line. */
export function machineProfile(index: number): MachineProfile {
  const named = NAMED_PROFILES[index];
  if (named) return named;
  return {
    name: `Machine${index + 1}`,
    quality: {
      name: "PartWeight",
      unit: "g",
      uneceCode: "GRM",
      unitName: "gram",
      description: "Weight of the part",
      target: 250,
      sigma: 0.5,
      lsl: 248,
      usl: 252,
    },
    cycleFactor: 1.0,
    slowFactor: 1.07,
    microStopReasons: ["Starved: no parts at infeed", "Blocked: outfeed full"],
    holdAlarms: ["Conveyor jam", "Drive overload", "Guard door opened"],
  };
}

// ---------------------------------------------------------------------------------------------
// Model parameters (simulated milliseconds unless stated).

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Mean Execute time between two random stops. */
const MEAN_TIME_BETWEEN_STOPS_MS = 6 * MINUTE;
/** No random stop in the first minutes of a new line (lets clients see production right away). */
const FIRST_STOP_NOT_BEFORE_MS = 2 * MINUTE;
/** Share of random stops that are micro-stops / holds; the rest are random aborts. */
const MICRO_STOP_SHARE = 0.75;
const HOLD_SHARE = 0.2;
/** Per-part probability of a defect not visible in the measured characteristic. */
const BASE_REJECT_PROBABILITY = 0.003;
/** Per-part probability that a mean shift / a trend starts. */
const SHIFT_START_PROBABILITY = 1 / 1000;
const TREND_START_PROBABILITY = 1 / 1500;
/** Background vibration of a machine that is not producing, mm/s. */
const STANDSTILL_VIBRATION_MM_S = 0.15;
/** Bearing temperature time constant (first-order lag). */
const THERMAL_TIME_CONSTANT_MS = 15 * MINUTE;

const EPS = 1e-6;

// ---------------------------------------------------------------------------------------------
// Line and machine state.

export interface LineOptions {
  /** PRNG seed (integer). Default 1. */
  seed?: number;
  /** Number of machines, >= 1. Default 3. */
  machines?: number;
  /** Operating (Execute) hours from new to bearing failure, on average. Default 8. */
  lifeHours?: number;
  /** Initial value of GoodCount, RejectCount and PartSequence, 0..2^32-1. Default 0. */
  counterStart?: number;
  /**
   * Minimum duration of any state, simulated ms. Default 0. The OPC UA server sets it to two ticks
   * of simulated time so that every state is visible to a client sampling the StateCurrent variable.
   */
  minStateMs?: number;
}

export interface ResolvedLineOptions {
  seed: number;
  machines: number;
  lifeHours: number;
  counterStart: number;
  minStateMs: number;
}

/** The values the machine publishes (one OPC UA variable each). */
export interface MachineOutputs {
  stateCurrent: PackMLState;
  unitModeCurrent: number;
  goodCount: number;
  rejectCount: number;
  actualCycleTimeS: number;
  idealCycleTimeS: number;
  productId: string;
  orderId: string;
  orderQuantity: number;
  /** Parts per minute; 0 when not producing. */
  speed: number;
  qualityValue: number;
  partSequence: number;
  vibrationRms: number;
  bearingTemperature: number;
  fault: boolean;
  alarmText: string;
  /** Why the machine is not in Execute (empty while producing). */
  stopReason: string;
}

export type StopKind = "micro" | "hold" | "abort" | "failure" | "order";

/** Degradation parameters of one bearing life. */
export interface MachineLife {
  /** Operating (Execute) time from new to failure, ms. */
  lifeMs: number;
  /** Operating time accumulated in this life, ms. */
  ageMs: number;
  /** Healthy vibration, mm/s. */
  vibrationNew: number;
  /** Vibration at failure, mm/s (zone D). */
  vibrationAtFailure: number;
  /** Shape of the exponential growth. */
  beta: number;
  /** Bearing temperature of a healthy running machine, degC. */
  temperatureNew: number;
  /** Temperature rise at failure, K. */
  temperatureRise: number;
}

export interface MachineInternal {
  events: RngState;
  sensors: RngState;
  /** Simulated time spent in the current state. */
  stateTimeMs: number;
  /** Planned duration of the current state (Infinity for Execute). */
  stateDurationMs: number;
  /** Remaining states of the current stop sequence. */
  route: PackMLState[];
  stopKind: StopKind | null;
  /** Execute time left until the next random stop. */
  nextStopInMs: number;
  /** Time of the current cycle so far, and its total duration. */
  cycleProgressMs: number;
  cycleMs: number;
  orderSequence: number;
  orderGood: number;
  life: MachineLife;
  /** Noise-free bearing temperature, degC. */
  temperature: number;
  /** Quality process: mean shift (absolute units) and parts left in it. */
  shift: number;
  shiftPartsLeft: number;
  /** Quality process: trend (absolute units), its slope per part and parts left in it. */
  trend: number;
  trendSlope: number;
  trendPartsLeft: number;
  /** Number of failures (end of a bearing life) so far. */
  failures: number;
}

export interface Machine {
  readonly index: number;
  readonly name: string;
  readonly profile: MachineProfile;
  readonly out: MachineOutputs;
  readonly internal: MachineInternal;
}

export interface Line {
  readonly options: ResolvedLineOptions;
  /** Simulated time since the line was created, ms. */
  timeMs: number;
  readonly machines: Machine[];
}

export type LineEvent =
  | { kind: "state"; machine: number; timeMs: number; from: PackMLState; to: PackMLState }
  | {
      kind: "part";
      machine: number;
      timeMs: number;
      sequence: number;
      value: number;
      good: boolean;
      /** Ground truth of the special causes in `value`: current mean shift and trend offset. */
      shift: number;
      trend: number;
    }
  | {
      kind: "order";
      machine: number;
      timeMs: number;
      orderId: string;
      productId: string;
      quantity: number;
    }
  | { kind: "failure"; machine: number; timeMs: number; vibrationRms: number }
  | { kind: "repair"; machine: number; timeMs: number };

// ---------------------------------------------------------------------------------------------
// Creation.

function resolveOptions(options: LineOptions): ResolvedLineOptions {
  const seed = options.seed ?? 1;
  const machines = options.machines ?? 3;
  const lifeHours = options.lifeHours ?? 8;
  const counterStart = options.counterStart ?? 0;
  const minStateMs = options.minStateMs ?? 0;
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  if (!Number.isInteger(machines) || machines < 1 || machines > 1000) {
    throw new RangeError(`machines must be an integer in 1..1000, got ${machines}`);
  }
  if (!(Number.isFinite(lifeHours) && lifeHours > 0)) {
    throw new RangeError(`lifeHours must be a positive number, got ${lifeHours}`);
  }
  if (!Number.isInteger(counterStart) || counterStart < 0 || counterStart >= UINT32_MODULUS) {
    throw new RangeError(`counterStart must be an integer in 0..2^32-1, got ${counterStart}`);
  }
  if (!(Number.isFinite(minStateMs) && minStateMs >= 0)) {
    throw new RangeError(`minStateMs must be a non-negative number, got ${minStateMs}`);
  }
  return { seed, machines, lifeHours, counterStart, minStateMs };
}

function newLife(r: RngState, lifeHours: number): MachineLife {
  return {
    lifeMs: lifeHours * HOUR * uniformIn(r, 0.85, 1.15),
    ageMs: 0,
    vibrationNew: uniformIn(r, 1.0, 1.8),
    vibrationAtFailure: uniformIn(r, 7.6, 9.5),
    beta: uniformIn(r, 3.5, 5),
    temperatureNew: uniformIn(r, 45, 55),
    temperatureRise: uniformIn(r, 25, 35),
  };
}

/** Share of the degradation reached at a given fraction of the life (0 new, 1 at failure). */
function degradation(life: MachineLife): number {
  const h = clamp(life.ageMs / life.lifeMs, 0, 1.2);
  return (Math.exp(life.beta * h) - 1) / (Math.exp(life.beta) - 1);
}

/**
 * Noise-free vibration of a running machine: S(t) = phi + theta * exp(beta * t / life), the
 * exponential degradation model, from `vibrationNew` when new to `vibrationAtFailure` at end of life.
 */
export function vibrationTrend(life: MachineLife): number {
  return life.vibrationNew + (life.vibrationAtFailure - life.vibrationNew) * degradation(life);
}

function runningTemperature(life: MachineLife): number {
  return life.temperatureNew + life.temperatureRise * degradation(life);
}

function idealCycleS(profile: MachineProfile, product: Product): number {
  return Math.round(clamp(product.baseCycleS * profile.cycleFactor, 1.0, 3.0) * 1000) / 1000;
}

function orderPrefix(name: string): string {
  return name.slice(0, 3).toUpperCase();
}

function createMachine(index: number, options: ResolvedLineOptions): Machine {
  const profile = machineProfile(index);
  const events = createRng(options.seed, index * 2);
  const sensors = createRng(options.seed, index * 2 + 1);
  const life = newLife(events, options.lifeHours);
  // Stagger the machines: each starts at a different point of its life (golden-ratio sequence),
  // never closer than 10 % of a life to failure.
  life.ageMs = life.lifeMs * Math.min(0.9, (0.2 + 0.618034 * index) % 1);
  const product = pick(events, PRODUCTS);
  const q = profile.quality;
  const ideal = idealCycleS(profile, product);
  const machine: Machine = {
    index,
    name: profile.name,
    profile,
    out: {
      stateCurrent: PACKML_STATE.Execute,
      unitModeCurrent: UNIT_MODE.Production,
      goodCount: options.counterStart,
      rejectCount: options.counterStart,
      actualCycleTimeS: ideal * profile.slowFactor,
      idealCycleTimeS: ideal,
      productId: product.id,
      orderId: `ORD-${orderPrefix(profile.name)}-${100001}`,
      orderQuantity: drawOrderQuantity(events),
      speed: 60 / (ideal * profile.slowFactor),
      qualityValue: q.target,
      partSequence: options.counterStart,
      vibrationRms: 0,
      bearingTemperature: 0,
      fault: false,
      alarmText: "",
      stopReason: "",
    },
    internal: {
      events,
      sensors,
      stateTimeMs: 0,
      stateDurationMs: Number.POSITIVE_INFINITY,
      route: [],
      stopKind: null,
      nextStopInMs: 0,
      cycleProgressMs: 0,
      cycleMs: 0,
      orderSequence: 100001,
      orderGood: 0,
      life,
      temperature: runningTemperature(life),
      shift: 0,
      shiftPartsLeft: 0,
      trend: 0,
      trendSlope: 0,
      trendPartsLeft: 0,
      failures: 0,
    },
  };
  machine.internal.nextStopInMs = Math.max(
    FIRST_STOP_NOT_BEFORE_MS,
    options.minStateMs,
    exponential(events, MEAN_TIME_BETWEEN_STOPS_MS),
  );
  machine.internal.cycleMs = drawCycleMs(machine);
  updateSensors(machine);
  return machine;
}

/** Creates a line; all machines start in Execute, in Production mode, with an order running. */
export function createLine(options: LineOptions = {}): Line {
  const resolved = resolveOptions(options);
  const machines: Machine[] = [];
  for (let i = 0; i < resolved.machines; i++) machines.push(createMachine(i, resolved));
  return { options: resolved, timeMs: 0, machines };
}

// ---------------------------------------------------------------------------------------------
// Simulation.

function drawOrderQuantity(r: RngState): number {
  return Math.round(uniformIn(r, 300, 3000) / 50) * 50;
}

function drawCycleMs(m: Machine): number {
  const r = m.internal.events;
  // Slightly slower than ideal, noisy, and a little slower as the bearing wears.
  const factor = m.profile.slowFactor + 0.05 * degradation(m.internal.life) + 0.025 * normal(r);
  return m.out.idealCycleTimeS * 1000 * Math.max(1.0, factor);
}

function stateDuration(m: Machine, state: PackMLState, minStateMs: number): number {
  const r = m.internal.events;
  const kind = m.internal.stopKind;
  let d: number;
  switch (state) {
    case PACKML_STATE.Execute:
      return Number.POSITIVE_INFINITY;
    case PACKML_STATE.Suspending:
    case PACKML_STATE.Unsuspending:
      d = uniformIn(r, 1, 3) * SECOND;
      break;
    case PACKML_STATE.Suspended:
      // Micro-stop: median 12 s, at most 48 s, so that the whole stop stays under one minute.
      d = lognormalClamped(r, 12, 0.7, 3, 48) * SECOND;
      break;
    case PACKML_STATE.Holding:
    case PACKML_STATE.Unholding:
      d = uniformIn(r, 1.5, 4) * SECOND;
      break;
    case PACKML_STATE.Held:
      // Equipment fault: median 3 min, 70 s .. 20 min.
      d = lognormalClamped(r, 180, 0.6, 70, 1200) * SECOND;
      break;
    case PACKML_STATE.Aborting:
      d = uniformIn(r, 1, 3) * SECOND;
      break;
    case PACKML_STATE.Aborted:
      // Bearing failure: repair in maintenance mode 30..90 min; other aborts 2..10 min.
      d = kind === "failure" ? uniformIn(r, 30, 90) * MINUTE : uniformIn(r, 2, 10) * MINUTE;
      break;
    case PACKML_STATE.Clearing:
      d = uniformIn(r, 2, 6) * SECOND;
      break;
    case PACKML_STATE.Stopped:
      d = uniformIn(r, 10, 60) * SECOND;
      break;
    case PACKML_STATE.Resetting:
      d = uniformIn(r, 3, 8) * SECOND;
      break;
    case PACKML_STATE.Idle:
      d = uniformIn(r, 5, 30) * SECOND;
      break;
    case PACKML_STATE.Starting:
      d = uniformIn(r, 3, 8) * SECOND;
      break;
    case PACKML_STATE.Completing:
      d = uniformIn(r, 3, 8) * SECOND;
      break;
    case PACKML_STATE.Complete:
      // Changeover to the next order.
      d = uniformIn(r, 3, 12) * MINUTE;
      break;
    default:
      d = 5 * SECOND;
  }
  return Math.max(d, minStateMs);
}

const ROUTES: Record<StopKind, readonly PackMLState[]> = {
  micro: [PACKML_STATE.Suspending, PACKML_STATE.Suspended, PACKML_STATE.Unsuspending, PACKML_STATE.Execute],
  hold: [PACKML_STATE.Holding, PACKML_STATE.Held, PACKML_STATE.Unholding, PACKML_STATE.Execute],
  abort: [
    PACKML_STATE.Aborting,
    PACKML_STATE.Aborted,
    PACKML_STATE.Clearing,
    PACKML_STATE.Stopped,
    PACKML_STATE.Resetting,
    PACKML_STATE.Idle,
    PACKML_STATE.Starting,
    PACKML_STATE.Execute,
  ],
  failure: [
    PACKML_STATE.Aborting,
    PACKML_STATE.Aborted,
    PACKML_STATE.Clearing,
    PACKML_STATE.Stopped,
    PACKML_STATE.Resetting,
    PACKML_STATE.Idle,
    PACKML_STATE.Starting,
    PACKML_STATE.Execute,
  ],
  order: [
    PACKML_STATE.Completing,
    PACKML_STATE.Complete,
    PACKML_STATE.Resetting,
    PACKML_STATE.Idle,
    PACKML_STATE.Starting,
    PACKML_STATE.Execute,
  ],
};

interface StepContext {
  line: Line;
  events: LineEvent[];
  /** Simulated time of the machine inside the current step. */
  nowMs: number;
}

function startStop(m: Machine, kind: StopKind, reason: string, ctx: StepContext): void {
  m.internal.stopKind = kind;
  m.out.stopReason = reason;
  m.internal.route = [...ROUTES[kind]];
  if (kind === "failure") {
    m.internal.failures += 1;
    ctx.events.push({
      kind: "failure",
      machine: m.index,
      timeMs: ctx.nowMs,
      vibrationRms: vibrationTrend(m.internal.life),
    });
  }
  nextRouteState(m, ctx);
}

function nextRouteState(m: Machine, ctx: StepContext): void {
  const next = m.internal.route.shift();
  if (next === undefined) throw new Error(`${m.name}: empty state route`);
  enterState(m, next, ctx);
}

/** Enters `state`, applying its side effects (fault flag, alarm, mode, order change, repair). */
function enterState(m: Machine, state: PackMLState, ctx: StepContext): void {
  const o = m.out;
  const s = m.internal;
  const from = o.stateCurrent;
  o.stateCurrent = state;
  s.stateTimeMs = 0;
  s.stateDurationMs = stateDuration(m, state, ctx.line.options.minStateMs);
  ctx.events.push({ kind: "state", machine: m.index, timeMs: ctx.nowMs, from, to: state });
  if (state !== PACKML_STATE.Execute) o.speed = 0;
  switch (state) {
    case PACKML_STATE.Holding:
    case PACKML_STATE.Aborting:
      o.fault = true;
      o.alarmText = o.stopReason;
      break;
    case PACKML_STATE.Unholding:
      o.fault = false;
      o.alarmText = "";
      break;
    case PACKML_STATE.Aborted:
      // Mode changes happen in wait states: the maintenance crew takes over the failed machine.
      if (s.stopKind === "failure") o.unitModeCurrent = UNIT_MODE.Maintenance;
      break;
    case PACKML_STATE.Clearing:
      if (s.stopKind === "failure") {
        // Bearing replaced: a new life starts.
        s.life = newLife(s.events, ctx.line.options.lifeHours);
        ctx.events.push({ kind: "repair", machine: m.index, timeMs: ctx.nowMs });
      }
      o.fault = false;
      o.alarmText = "";
      break;
    case PACKML_STATE.Stopped:
      o.unitModeCurrent = UNIT_MODE.Production;
      break;
    case PACKML_STATE.Resetting:
      if (s.stopKind === "order") startNewOrder(m, ctx);
      break;
    case PACKML_STATE.Execute:
      s.stopKind = null;
      s.route = [];
      o.stopReason = "";
      o.speed = 60 / (o.idealCycleTimeS * m.profile.slowFactor);
      s.nextStopInMs = Math.max(
        ctx.line.options.minStateMs,
        exponential(s.events, MEAN_TIME_BETWEEN_STOPS_MS),
      );
      break;
    default:
      break;
  }
}

function startNewOrder(m: Machine, ctx: StepContext): void {
  const o = m.out;
  const s = m.internal;
  const r = s.events;
  s.orderSequence += 1;
  s.orderGood = 0;
  o.orderId = `ORD-${orderPrefix(m.name)}-${s.orderSequence}`;
  const product = pick(r, PRODUCTS);
  o.productId = product.id;
  o.orderQuantity = drawOrderQuantity(r);
  o.idealCycleTimeS = idealCycleS(m.profile, product);
  o.goodCount = 0;
  o.rejectCount = 0;
  s.cycleProgressMs = 0;
  s.cycleMs = drawCycleMs(m);
  ctx.events.push({
    kind: "order",
    machine: m.index,
    timeMs: ctx.nowMs,
    orderId: o.orderId,
    productId: o.productId,
    quantity: o.orderQuantity,
  });
}

function producePart(m: Machine, ctx: StepContext): void {
  const o = m.out;
  const s = m.internal;
  const r = s.events;
  const q = m.profile.quality;

  // Quality process: in-control noise plus occasional mean shifts and slow trends.
  if (s.shiftPartsLeft > 0) {
    s.shiftPartsLeft -= 1;
    if (s.shiftPartsLeft === 0) s.shift = 0;
  } else if (uniform(r) < SHIFT_START_PROBABILITY) {
    s.shift = (uniform(r) < 0.5 ? -1 : 1) * uniformIn(r, 2, 3.5) * q.sigma;
    s.shiftPartsLeft = Math.floor(uniformIn(r, 20, 81));
  }
  if (s.trendPartsLeft > 0) {
    s.trendPartsLeft -= 1;
    s.trend += s.trendSlope;
    // An operator re-adjusts the machine at the end of a trend.
    if (s.trendPartsLeft === 0) s.trend = 0;
  } else if (uniform(r) < TREND_START_PROBABILITY) {
    s.trendSlope = (uniform(r) < 0.5 ? -1 : 1) * uniformIn(r, 0.02, 0.05) * q.sigma;
    s.trendPartsLeft = Math.floor(uniformIn(r, 30, 101));
    s.trend = 0;
  }
  const value = q.target + s.shift + s.trend + q.sigma * normal(r);
  const good = value >= q.lsl && value <= q.usl && uniform(r) >= BASE_REJECT_PROBABILITY;

  o.partSequence = (o.partSequence + 1) % UINT32_MODULUS;
  o.qualityValue = value;
  if (good) {
    o.goodCount = (o.goodCount + 1) % UINT32_MODULUS;
    s.orderGood += 1;
  } else {
    o.rejectCount = (o.rejectCount + 1) % UINT32_MODULUS;
  }
  o.actualCycleTimeS = s.cycleMs / 1000;
  o.speed = 60 / o.actualCycleTimeS;
  ctx.events.push({
    kind: "part",
    machine: m.index,
    timeMs: ctx.nowMs,
    sequence: o.partSequence,
    value,
    good,
    shift: s.shift,
    trend: s.trend,
  });
  s.cycleProgressMs = 0;
  s.cycleMs = drawCycleMs(m);
}

/** Advances the continuous quantities of machine `m` by `h` ms without crossing an event. */
function advance(m: Machine, h: number): void {
  const s = m.internal;
  s.stateTimeMs += h;
  const running = m.out.stateCurrent === PACKML_STATE.Execute;
  if (running) {
    s.cycleProgressMs += h;
    s.nextStopInMs -= h;
    s.life.ageMs += h;
  }
  const target = running ? runningTemperature(s.life) : AMBIENT_TEMPERATURE_C + 5;
  s.temperature += (target - s.temperature) * (1 - Math.exp(-h / THERMAL_TIME_CONSTANT_MS));
}

function stepMachine(m: Machine, dtMs: number, ctx: StepContext): void {
  const s = m.internal;
  const minStateMs = ctx.line.options.minStateMs;
  let remaining = dtMs;
  // Event-driven: advance to the next event (state end, part, stop, failure), handle it, repeat.
  for (let guard = 0; remaining > EPS; guard++) {
    if (guard > 10_000_000) throw new Error(`${m.name}: simulation does not progress`);
    let h = remaining;
    const executing = m.out.stateCurrent === PACKML_STATE.Execute;
    if (!executing) {
      h = Math.min(h, s.stateDurationMs - s.stateTimeMs);
    } else {
      h = Math.min(h, s.cycleMs - s.cycleProgressMs, s.nextStopInMs);
      if (s.life.ageMs < s.life.lifeMs) h = Math.min(h, s.life.lifeMs - s.life.ageMs);
      const wantsToLeave = s.life.ageMs >= s.life.lifeMs - EPS || s.orderGood >= m.out.orderQuantity;
      // Leaves Execute as soon as it has lasted minStateMs.
      if (wantsToLeave) h = Math.min(h, Math.max(0, minStateMs - s.stateTimeMs));
    }
    h = Math.max(0, h);
    advance(m, h);
    remaining -= h;
    ctx.nowMs += h;

    if (!executing) {
      if (s.stateTimeMs >= s.stateDurationMs - EPS) nextRouteState(m, ctx);
      continue;
    }
    if (s.cycleProgressMs >= s.cycleMs - EPS) producePart(m, ctx);
    if (s.stateTimeMs < minStateMs - EPS) continue;
    if (s.life.ageMs >= s.life.lifeMs - EPS) {
      const v = vibrationTrend(s.life);
      startStop(
        m,
        "failure",
        `Bearing failure: vibration ${v.toFixed(1)} mm/s above ${VIBRATION_ZONE_D_MM_S} mm/s (ISO 10816-3 zone D)`,
        ctx,
      );
    } else if (s.orderGood >= m.out.orderQuantity) {
      startStop(m, "order", `Order ${m.out.orderId} complete: changeover`, ctx);
    } else if (s.nextStopInMs <= EPS) {
      const r = s.events;
      const u = uniform(r);
      if (u < MICRO_STOP_SHARE) startStop(m, "micro", pick(r, m.profile.microStopReasons), ctx);
      else if (u < MICRO_STOP_SHARE + HOLD_SHARE) startStop(m, "hold", pick(r, m.profile.holdAlarms), ctx);
      else startStop(m, "abort", pick(r, RANDOM_ABORT_REASONS), ctx);
    }
  }
}

/** Draws the sensor values (vibration, bearing temperature) for the current state. */
function updateSensors(m: Machine): void {
  const s = m.internal;
  const r = s.sensors;
  if (m.out.stateCurrent === PACKML_STATE.Execute) {
    m.out.vibrationRms = vibrationTrend(s.life) * Math.exp(0.05 * normal(r));
  } else {
    m.out.vibrationRms = STANDSTILL_VIBRATION_MM_S * (1 + 0.2 * Math.abs(normal(r)));
  }
  m.out.bearingTemperature = s.temperature + 0.2 * normal(r);
}

/**
 * Advances the line by `dtMs` of simulated time. Returns what happened during the step, in order
 * of simulated time per machine (state transitions, parts, order changes, failures, repairs).
 */
export function stepLine(line: Line, dtMs: number): LineEvent[] {
  if (!(Number.isFinite(dtMs) && dtMs >= 0)) throw new RangeError(`dtMs must be >= 0, got ${dtMs}`);
  const events: LineEvent[] = [];
  for (const m of line.machines) {
    const ctx: StepContext = { line, events, nowMs: line.timeMs };
    stepMachine(m, dtMs, ctx);
    updateSensors(m);
  }
  line.timeMs += dtMs;
  return events;
}

/** A copy of the published values of every machine (for comparisons and logging). */
export function snapshotLine(line: Line): {
  timeMs: number;
  machines: Array<{ name: string } & MachineOutputs>;
} {
  return { timeMs: line.timeMs, machines: line.machines.map((m) => ({ name: m.name, ...m.out })) };
}
