import type { JSONSchemaType } from "ajv";
import { COUNTER_MODES, COUNTER_WRAPS, type OeeConfig } from "../../lib/oee/types";

/** The editor's `defaults` of mfg-oee-calculator (test/package checks that they match). */
export interface OeeCalculatorConfig extends OeeConfig {
  name: string;
  /** id of an mfg-asset config node, or "": names reports when the inputs carry no asset. */
  asset: string;
  /** id of an mfg-shift-calendar config node, or "": all time is planned, no shift windows. */
  calendar: string;
  /** Context store of the reducer state (settings.js `contextStorage`); "" = the default store. */
  store: string;
}

/** A duration in whole milliseconds (the editor shows minutes or seconds). */
const ms = (defaultMs: number) => ({ type: "integer", minimum: 0, default: defaultMs }) as const;
const tag = { type: "string", default: "" } as const;

export const configSchema: JSONSchemaType<OeeCalculatorConfig> = {
  type: "object",
  properties: {
    name: { type: "string", default: "" },
    asset: { type: "string", default: "" },
    calendar: { type: "string", default: "" },
    store: { type: "string", default: "" },
    shiftWindow: { type: "boolean", default: true },
    orderWindow: { type: "boolean", default: true },
    rollingMs: ms(3_600_000),
    interimMs: ms(60_000),
    graceMs: ms(5_000),
    allocation: { type: "string", enum: ["iso", "tpm"], default: "iso" },
    counterMode: { type: "string", enum: [...COUNTER_MODES], default: "good-reject" },
    goodTag: { type: "string", default: "GoodCount" },
    rejectTag: { type: "string", default: "RejectCount" },
    totalTag: tag,
    reworkTag: tag,
    counterWrap: { type: "string", enum: [...COUNTER_WRAPS], default: "uint32" },
    maxRateFactor: { type: "number", minimum: 1, default: 5 },
    idealCycleTimeS: { type: "number", exclusiveMinimum: 0, default: 1 },
    idealCycleTimeTag: tag,
    orderTag: tag,
    productTag: tag,
    startupMs: ms(0),
    maxStops: { type: "integer", minimum: 1, maximum: 10_000, default: 2000 },
  },
  required: [],
  additionalProperties: true,
};

const OEE_KEYS: ReadonlyArray<keyof OeeConfig> = [
  "shiftWindow",
  "orderWindow",
  "rollingMs",
  "interimMs",
  "graceMs",
  "allocation",
  "counterMode",
  "goodTag",
  "rejectTag",
  "totalTag",
  "reworkTag",
  "counterWrap",
  "maxRateFactor",
  "idealCycleTimeS",
  "idealCycleTimeTag",
  "orderTag",
  "productTag",
  "startupMs",
  "maxStops",
];

/** The reducer's part of a parsed node configuration (tag names trimmed). */
export function oeeConfigOf(config: OeeCalculatorConfig): OeeConfig {
  const out: Record<string, unknown> = {};
  for (const key of OEE_KEYS) {
    const value = config[key];
    out[key] = typeof value === "string" ? value.trim() : value;
  }
  return out as unknown as OeeConfig;
}
