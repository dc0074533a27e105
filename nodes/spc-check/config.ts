import type { JSONSchemaType } from "ajv";
import { RULE_PRESETS } from "../../lib/spc/rules";
import { usualEstimator } from "../../lib/spc/spc";
import {
  CONSTANTS_TABLES,
  type ConstantsTable,
  RULE_IDS,
  type RuleSetting,
  SIGMA_ESTIMATORS,
  type SigmaEstimator,
  type SpcConfig,
  SUBGROUP_MODES,
  type SubgroupMode,
} from "../../lib/spc/types";
import { ALARM_SEVERITIES, type AlarmSeverity, SPC_CHARTS, type SpcChart } from "../../lib/types";
import type { FieldError } from "../../lib/validate";

/**
 * The editor's `defaults` of mfg-spc-check (test/package checks that they match). Optional
 * numbers (given mean and sigma, sample size, specification limits) are text: "" = none.
 */
export interface SpcCheckConfig {
  name: string;
  /** id of an mfg-asset config node, or "": names results and alarms. */
  asset: string;
  characteristic: string;
  /** Unit of the characteristic, for the status and the help only. */
  unit: string;
  chart: SpcChart;
  subgroupBy: SubgroupMode;
  subgroupSize: number;
  /** Message property holding the subgroup key (subgroupBy "key"), e.g. "batch" = msg.batch. */
  keyProperty: string;
  /** The MachineSample tag to chart. */
  tag: string;
  /** "auto" = the chart's usual estimator (see `estimatorOf`). */
  estimator: "auto" | SigmaEstimator;
  constants: ConstantsTable;
  nsigmas: number;
  limits: "estimate" | "given";
  givenMean: string;
  givenSigma: string;
  phase1Points: number;
  autoRevise: boolean;
  /** Attribute charts: constant sample size, "" = each input gives it. */
  sampleSize: string;
  ewmaLambda: number;
  ewmaL: number;
  cusumK: number;
  cusumH: number;
  cusumHeadStart: number;
  rules: RuleSetting[];
  lsl: string;
  usl: string;
  target: string;
  capabilityWindow: number;
  limitSeverity: AlarmSeverity;
  runSeverity: AlarmSeverity;
  /** Context store of the chart state (settings.js `contextStorage`); "" = the default store. */
  store: string;
}

const text = { type: "string", default: "" } as const;
const severity = (value: AlarmSeverity) =>
  ({ type: "string", enum: [...ALARM_SEVERITIES], default: value }) as const;

/**
 * The default rules: Western Electric 1-4 and the companion chart's limits (dispersion-1),
 * lib/spc/rules.ts RULE_PRESETS["western-electric"], the rules most plants know; the editor
 * repeats them (a node test checks).
 */
const DEFAULT_RULES = RULE_PRESETS["western-electric"].map((r) => ({ ...r }));

const ruleSchema: JSONSchemaType<RuleSetting> = {
  type: "object",
  properties: {
    id: { type: "string", enum: [...RULE_IDS] },
    enabled: { type: "boolean" },
    length: { type: "integer", nullable: true },
    count: { type: "integer", nullable: true },
    sigmas: { type: "number", nullable: true },
  },
  required: ["id", "enabled"],
  additionalProperties: false,
};

export const configSchema: JSONSchemaType<SpcCheckConfig> = {
  type: "object",
  properties: {
    name: text,
    asset: text,
    characteristic: text,
    unit: text,
    chart: { type: "string", enum: [...SPC_CHARTS], default: "xbar-r" },
    subgroupBy: { type: "string", enum: [...SUBGROUP_MODES], default: "count" },
    subgroupSize: { type: "integer", minimum: 1, default: 5 },
    keyProperty: { type: "string", default: "batch" },
    tag: { type: "string", default: "QualityValue" },
    estimator: { type: "string", enum: ["auto", ...SIGMA_ESTIMATORS], default: "auto" },
    constants: { type: "string", enum: [...CONSTANTS_TABLES], default: "exact" },
    nsigmas: { type: "number", default: 3 },
    limits: { type: "string", enum: ["estimate", "given"], default: "estimate" },
    givenMean: text,
    givenSigma: text,
    phase1Points: { type: "integer", default: 25 },
    autoRevise: { type: "boolean", default: false },
    sampleSize: text,
    ewmaLambda: { type: "number", default: 0.2 },
    ewmaL: { type: "number", default: 3 },
    cusumK: { type: "number", default: 0.5 },
    cusumH: { type: "number", default: 5 },
    cusumHeadStart: { type: "number", default: 0 },
    rules: { type: "array", items: ruleSchema, default: DEFAULT_RULES },
    lsl: text,
    usl: text,
    target: text,
    capabilityWindow: { type: "integer", minimum: 0, default: 50 },
    limitSeverity: severity("high"),
    runSeverity: severity("medium"),
    store: text,
  },
  required: [],
  additionalProperties: true,
};

/** The within sigma estimator: the configured one, or for "auto" the chart's usual one (lib/spc). */
export function estimatorOf(
  config: Pick<SpcCheckConfig, "chart" | "estimator" | "subgroupSize">,
): SigmaEstimator {
  return config.estimator === "auto" ? usualEstimator(config.chart, config.subgroupSize) : config.estimator;
}

/** An optional number typed as text: "" = null; anything else must be a finite number. */
function optionalNumber(value: string, field: string, errors: FieldError[]): number | null {
  const t = String(value ?? "").trim();
  if (t === "") return null;
  const n = Number(t);
  if (!Number.isFinite(n)) {
    errors.push({ field, message: `must be a number or empty, got ${JSON.stringify(t)}` });
    return null;
  }
  return n;
}

/**
 * The reducer's configuration of a parsed node configuration: `source` = "spc:<characteristic>",
 * `asset` = the path of the mfg-asset node (or null); lib/spc checkSpcConfig checks the rest.
 * Errors name the node's field.
 */
export function spcConfigOf(
  config: SpcCheckConfig,
  asset: string | null,
): { ok: true; value: SpcConfig } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const characteristic = config.characteristic.trim();
  // Individuals: subgroups of one consecutive value, whatever the (hidden) subgroup fields say.
  const individuals = config.chart === "i-mr";
  const subgroupSize = individuals ? 1 : config.subgroupSize;
  const value: SpcConfig = {
    characteristic,
    chart: config.chart,
    subgroupBy: individuals ? "count" : config.subgroupBy,
    subgroupSize,
    estimator: estimatorOf({ ...config, subgroupSize }),
    constants: config.constants,
    nsigmas: config.nsigmas,
    limits: config.limits,
    givenMean: optionalNumber(config.givenMean, "givenMean", errors),
    givenSigma: optionalNumber(config.givenSigma, "givenSigma", errors),
    phase1Points: config.phase1Points,
    autoRevise: config.autoRevise,
    // A c chart counts per constant area unit: the sample size (hidden in the editor) is irrelevant.
    sampleSize: config.chart === "c" ? null : optionalNumber(config.sampleSize, "sampleSize", errors),
    ewmaLambda: config.ewmaLambda,
    ewmaL: config.ewmaL,
    cusumK: config.cusumK,
    cusumH: config.cusumH,
    cusumHeadStart: config.cusumHeadStart,
    rules: config.rules.map((r) => ({ ...r })),
    lsl: optionalNumber(config.lsl, "lsl", errors),
    usl: optionalNumber(config.usl, "usl", errors),
    target: optionalNumber(config.target, "target", errors),
    capabilityWindow: config.capabilityWindow,
    limitSeverity: config.limitSeverity,
    runSeverity: config.runSeverity,
    asset,
    source: `spc:${characteristic}`,
  };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
}
