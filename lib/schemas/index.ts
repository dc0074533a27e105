/**
 * JSON Schemas (draft 2020-12 subset that ajv 8 compiles) of the message contract in
 * `lib/types.ts`. Compiled once by `lib/validate.ts`. Time fields use the custom keyword
 * `epochMs`, which accepts epoch milliseconds or an ISO 8601 date-time with a zone offset and
 * converts the latter to epoch milliseconds.
 */
import {
  ALARM_SEVERITIES,
  type MessageKind,
  OEE_WINDOW_TYPES,
  ORDER_STATES,
  RUL_STATUSES,
  SEVERITY_ZONES,
  SPC_CHARTS,
  SPC_LIMIT_REASONS,
  STATE_MODELS,
  TIME_ELEMENTS,
} from "../types";

type Schema = Record<string, unknown>;

/** site/area/line[/cell]/machine: 1 to 5 non-empty segments without MQTT wildcards. */
export const ASSET_PATH_PATTERN = "^[^/#+]+(/[^/#+]+){0,4}$";

const time: Schema = { epochMs: true };
const str: Schema = { type: "string" };
const nonEmpty: Schema = { type: "string", minLength: 1 };
const num: Schema = { type: "number" };
const count: Schema = { type: "number", minimum: 0 };
const durationMs: Schema = { type: "number", minimum: 0 };
const ratio: Schema = { type: ["number", "null"], minimum: 0, maximum: 1 };
const nullableNum: Schema = { type: ["number", "null"] };
const bool: Schema = { type: "boolean" };
const asset: Schema = { type: "string", pattern: ASSET_PATH_PATTERN };
const oneOf = (values: readonly string[]): Schema => ({ type: "string", enum: [...values] });

function object(properties: Record<string, Schema>, required: string[], additional = false): Schema {
  return { type: "object", properties, required, additionalProperties: additional };
}

function message(kind: MessageKind, properties: Record<string, Schema>, required: string[]): Schema {
  return object({ kind: { const: kind }, ...properties }, ["kind", ...required]);
}

const tagValue = object(
  {
    value: { type: ["number", "boolean", "string", "null"] },
    quality: nonEmpty,
    qualityCode: { type: "integer", minimum: 0, maximum: 0xffffffff },
    sourceTs: time,
    unit: str,
    stale: bool,
  },
  ["value", "quality"],
);

const reason = object({ code: nonEmpty, text: str }, ["code"]);

const spcViolations: Schema = {
  type: "array",
  items: object({ rule: nonEmpty, text: str, points: { type: "array", items: { type: "integer" } } }, [
    "rule",
    "text",
    "points",
  ]),
};

const spcCapability = object(
  {
    cp: nullableNum,
    cpk: nullableNum,
    cpm: nullableNum,
    pp: nullableNum,
    ppk: nullableNum,
    sigmaWithin: nullableNum,
    sigmaOverall: nullableNum,
    estimator: nonEmpty,
    cpu: nullableNum,
    cpl: nullableNum,
    ppu: nullableNum,
    ppl: nullableNum,
    ppm: nullableNum,
    mean: num,
    values: { type: "integer", minimum: 0 },
    lsl: nullableNum,
    usl: nullableNum,
    target: nullableNum,
    expectedBelowLsl: ratio,
    expectedAboveUsl: ratio,
  },
  ["cp", "cpk", "cpm", "pp", "ppk", "sigmaWithin", "sigmaOverall", "estimator"],
);

export const schemas: Record<MessageKind, Schema> = {
  MachineSample: message(
    "MachineSample",
    {
      asset,
      ts: time,
      values: { type: "object", additionalProperties: tagValue },
      stale: bool,
    },
    ["asset", "ts", "values", "stale"],
  ),

  StateChange: message(
    "StateChange",
    {
      asset,
      ts: time,
      model: oneOf(STATE_MODELS),
      state: nonEmpty,
      stateCode: { type: "integer" },
      previousState: { type: ["string", "null"] },
      previousDurationMs: durationMs,
      timeElement: oneOf(TIME_ELEMENTS),
      reason,
      stopStart: time,
      stopDurationMs: durationMs,
      microStop: bool,
      recode: object({ previousReason: { anyOf: [reason, { type: "null" }] } }, ["previousReason"]),
    },
    ["asset", "ts", "model", "state", "previousState", "previousDurationMs"],
  ),

  OeeReport: message(
    "OeeReport",
    {
      asset,
      ts: time,
      window: object({ type: oneOf(OEE_WINDOW_TYPES), id: str, start: time, end: time, final: bool }, [
        "type",
        "start",
        "end",
        "final",
      ]),
      availability: ratio,
      // ISO 22400-2: effectiveness "can exceed 100 %"
      performance: { type: ["number", "null"], minimum: 0 },
      quality: ratio,
      oee: { type: ["number", "null"], minimum: 0 },
      teep: { type: ["number", "null"], minimum: 0 },
      times: object(
        {
          potMs: durationMs,
          pdotMs: durationMs,
          pbtMs: durationMs,
          aptMs: durationMs,
          austMs: durationMs,
          adetMs: durationMs,
          adotMs: durationMs,
          allMs: durationMs,
          microStopMs: durationMs,
        },
        ["potMs", "pdotMs", "pbtMs", "aptMs", "austMs", "adetMs", "adotMs"],
      ),
      counts: object({ pq: count, gq: count, sq: count, rq: count }, ["pq", "gq", "sq"]),
      idealCycleTimeS: { type: "number", minimum: 0 },
      losses: {
        type: "array",
        items: object({ reason: nonEmpty, timeElement: oneOf(TIME_ELEMENTS), durationMs, events: count }, [
          "reason",
          "timeElement",
          "durationMs",
        ]),
      },
      allocation: oneOf(["iso", "tpm"]),
      sixBigLosses: object(
        {
          breakdownsMs: durationMs,
          setupMs: durationMs,
          minorStopsMs: durationMs,
          reducedSpeedMs: num,
          defectsMs: durationMs,
          reducedYieldMs: durationMs,
          fullyProductiveMs: durationMs,
        },
        [
          "breakdownsMs",
          "setupMs",
          "minorStopsMs",
          "reducedSpeedMs",
          "defectsMs",
          "reducedYieldMs",
          "fullyProductiveMs",
        ],
      ),
      productId: str,
    },
    [
      "asset",
      "ts",
      "window",
      "availability",
      "performance",
      "quality",
      "oee",
      "times",
      "counts",
      "idealCycleTimeS",
      "losses",
    ],
  ),

  SpcResult: message(
    "SpcResult",
    {
      characteristic: nonEmpty,
      asset,
      ts: time,
      chart: oneOf(SPC_CHARTS),
      seq: { type: "integer", minimum: 0 },
      value: num,
      // A u chart's sample size may be fractional (e.g. 9.5 units of area inspected).
      n: { type: "number", exclusiveMinimum: 0 },
      cl: nullableNum,
      ucl: nullableNum,
      lcl: nullableNum,
      sigma: nullableNum,
      raw: num,
      cusum: object({ upper: { type: "number", minimum: 0 }, lower: { type: "number", maximum: 0 } }, [
        "upper",
        "lower",
      ]),
      key: str,
      dispersion: object({ value: nullableNum, cl: nullableNum, ucl: nullableNum, lcl: nullableNum }, [
        "value",
        "cl",
        "ucl",
        "lcl",
      ]),
      phase: oneOf(["I", "II"]),
      violations: spcViolations,
      capability: spcCapability,
    },
    ["characteristic", "ts", "chart", "seq", "value", "cl", "ucl", "lcl", "phase", "violations"],
  ),

  SpcLimits: message(
    "SpcLimits",
    {
      characteristic: nonEmpty,
      asset,
      ts: time,
      chart: oneOf(SPC_CHARTS),
      reason: oneOf(SPC_LIMIT_REASONS),
      phase: oneOf(["I", "II"]),
      center: nullableNum,
      sigma: nullableNum,
      estimator: nonEmpty,
      cl: nullableNum,
      ucl: nullableNum,
      lcl: nullableNum,
      n: { type: "number", exclusiveMinimum: 0 },
      dispersion: object({ cl: nullableNum, ucl: nullableNum, lcl: nullableNum }, ["cl", "ucl", "lcl"]),
      fromSeq: { type: "integer", minimum: 0 },
      toSeq: { type: "integer", minimum: 0 },
      points: { type: "integer", minimum: 0 },
      excluded: { type: "array", items: { type: "integer", minimum: 0 } },
      outOfControl: spcViolations,
      capability: spcCapability,
      revision: { type: "integer", minimum: 0 },
    },
    [
      "characteristic",
      "ts",
      "chart",
      "reason",
      "phase",
      "center",
      "sigma",
      "cl",
      "ucl",
      "lcl",
      "points",
      "excluded",
      "outOfControl",
      "revision",
    ],
  ),

  HealthReport: message(
    "HealthReport",
    {
      asset,
      ts: time,
      health: { type: "number", minimum: 0, maximum: 1 },
      anomalyScore: { type: "number", minimum: 0 },
      zone: { enum: [...SEVERITY_ZONES, null] },
      mode: oneOf(["learning", "monitoring"]),
      remainingLife: object(
        {
          status: oneOf(RUL_STATUSES),
          valueMs: durationMs,
          lowerMs: durationMs,
          upperMs: durationMs,
          confidence: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1 },
        },
        ["status"],
      ),
      signals: {
        type: "object",
        additionalProperties: object({ value: num, zScore: num }, ["value"]),
      },
    },
    ["asset", "ts", "health", "anomalyScore", "zone", "mode", "remainingLife"],
  ),

  Alarm: message(
    "Alarm",
    {
      id: nonEmpty,
      asset,
      ts: time,
      severity: oneOf(ALARM_SEVERITIES),
      source: nonEmpty,
      text: nonEmpty,
      level: { type: "integer", minimum: 0 },
      state: oneOf(["active", "cleared"]),
      acknowledged: bool,
      acknowledgedBy: str,
      acknowledgedAt: time,
      data: { type: "object" },
    },
    ["id", "ts", "severity", "source", "text", "level", "state", "acknowledged"],
  ),

  ProductionOrder: message(
    "ProductionOrder",
    {
      orderId: nonEmpty,
      operation: str,
      asset,
      productId: nonEmpty,
      description: str,
      plannedQuantity: count,
      unit: nonEmpty,
      idealCycleTimeS: { type: "number", exclusiveMinimum: 0 },
      plannedStart: time,
      plannedEnd: time,
      priority: { type: "integer" },
      state: oneOf(ORDER_STATES),
      ts: time,
    },
    ["orderId", "productId", "plannedQuantity", "unit", "state", "ts"],
  ),

  Confirmation: message(
    "Confirmation",
    {
      orderId: nonEmpty,
      operation: str,
      asset,
      ts: time,
      good: count,
      scrap: count,
      rework: count,
      unit: nonEmpty,
      start: time,
      end: time,
      setupMs: durationMs,
      processingMs: durationMs,
      final: bool,
      idempotencyKey: nonEmpty,
    },
    ["orderId", "ts", "good", "scrap", "unit", "start", "end", "final", "idempotencyKey"],
  ),
};
