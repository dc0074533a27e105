/**
 * ISA-95 equipment hierarchy (IEC 62264-1: enterprise/site/area/work centre/work unit) as the
 * suite names an asset: site/area/line[/cell]/machine. The path is `msg.topic` of every suite
 * message and the `asset` tag in InfluxDB, so its segments must be safe as MQTT topic levels.
 */
import type { FieldError, ValidationResult } from "./validate";

export interface AssetIdentity {
  site: string;
  area: string;
  line: string;
  /** Optional cell between line and machine. */
  cell?: string;
  machine: string;
}

export const ASSET_LEVELS = ["site", "area", "line", "cell", "machine"] as const;

const SEGMENT = /^[^/#+\p{Cc}]+$/u;

/** Check each level: required (cell optional), trimmed, no "/", "#", "+" or control characters. */
export function checkAsset(
  identity: Partial<Record<(typeof ASSET_LEVELS)[number], unknown>>,
): ValidationResult<AssetIdentity> {
  const errors: FieldError[] = [];
  const out: Record<string, string> = {};
  for (const level of ASSET_LEVELS) {
    const raw = identity[level];
    const value = typeof raw === "string" ? raw.trim() : raw;
    if (value === undefined || value === null || value === "") {
      if (level !== "cell") errors.push({ field: level, message: "is required" });
      continue;
    }
    if (typeof value !== "string" || !SEGMENT.test(value)) {
      errors.push({ field: level, message: 'must be a name without "/", "#", "+" or control characters' });
      continue;
    }
    out[level] = value;
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: out as unknown as AssetIdentity };
}

/** The asset path: site/area/line[/cell]/machine. */
export function assetPath(a: AssetIdentity): string {
  return [a.site, a.area, a.line, a.cell, a.machine].filter((s) => s !== undefined && s !== "").join("/");
}
