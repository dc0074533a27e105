/**
 * MachineSample from plain tag values, for machines whose data arrives through other nodes
 * (S7, Modbus, a function node): `{speed: 12.5, fault: false}` becomes a sample whose values
 * carry quality "Good" (the source gave no quality).
 */
import type { MachineSample, TagScalar, TagValue } from "./types";
import type { FieldError, ValidationResult } from "./validate";

function isScalar(v: unknown): v is TagScalar {
  return (
    v === null ||
    typeof v === "boolean" ||
    typeof v === "string" ||
    (typeof v === "number" && Number.isFinite(v))
  );
}

function isTagValue(v: unknown): v is TagValue {
  return typeof v === "object" && v !== null && "value" in v && "quality" in v;
}

export function sampleFromValues(
  asset: string,
  values: unknown,
  ts: number,
): ValidationResult<MachineSample> {
  if (typeof values !== "object" || values === null || Array.isArray(values)) {
    return {
      ok: false,
      errors: [{ field: "", message: 'must be an object of tag values, e.g. {"speed": 12.5}' }],
    };
  }
  const errors: FieldError[] = [];
  const out: Record<string, TagValue> = {};
  for (const [tag, v] of Object.entries(values)) {
    if (isTagValue(v)) out[tag] = v;
    else if (isScalar(v)) out[tag] = { value: v, quality: "Good" };
    else errors.push({ field: tag, message: "must be a finite number, boolean, string or null" });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { kind: "MachineSample", asset, ts, values: out, stale: false } };
}
