/**
 * Values between the wire and a MachineSample: the declared data type, scale and offset
 * (engineering value = raw * scale + offset), JSON paths into MQTT payloads, and the way back for
 * writes (raw = (engineering - offset) / scale).
 */
import type { TagScalar } from "../types";
import { got, parseTime } from "../validate";
import { INTEGER_RANGES, isNumericType, type PathSegment, type Tag, type TagType } from "./tags";

/** A converted value, or the OPC UA status name (OPC 10000-4 7.34) saying why there is none. */
export type Converted =
  | { ok: true; value: TagScalar }
  | { ok: false; status: "BadTypeMismatch" | "BadOutOfRange" };

const TRUE_WORDS = new Set(["true", "1", "on", "yes"]);
const FALSE_WORDS = new Set(["false", "0", "off", "no"]);

function toNumber(raw: unknown): number | undefined {
  if (typeof raw === "number") return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw === "string" && raw.trim() !== "") {
    const n = Number(raw);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function toBoolean(raw: unknown): boolean | undefined {
  if (typeof raw === "boolean") return raw;
  if (raw === 0 || raw === 1) return raw === 1;
  if (typeof raw === "string") {
    const w = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(w)) return true;
    if (FALSE_WORDS.has(w)) return false;
  }
  return undefined;
}

/** The raw value as the declared type, before scaling. */
function asType(raw: unknown, type: TagType): Converted {
  if (raw === null || raw === undefined) return { ok: true, value: null };
  switch (type) {
    case "auto":
      if (typeof raw === "number")
        return Number.isFinite(raw) ? { ok: true, value: raw } : { ok: false, status: "BadTypeMismatch" };
      if (typeof raw === "boolean" || typeof raw === "string") return { ok: true, value: raw };
      return { ok: false, status: "BadTypeMismatch" };
    case "Boolean": {
      const b = toBoolean(raw);
      return b === undefined ? { ok: false, status: "BadTypeMismatch" } : { ok: true, value: b };
    }
    case "String":
      if (typeof raw === "string") return { ok: true, value: raw };
      if (typeof raw === "number" || typeof raw === "boolean") return { ok: true, value: String(raw) };
      return { ok: false, status: "BadTypeMismatch" };
    case "DateTime": {
      const ms = parseTime(raw);
      return ms === undefined ? { ok: false, status: "BadTypeMismatch" } : { ok: true, value: ms };
    }
    default: {
      const n = toNumber(raw);
      if (n === undefined) return { ok: false, status: "BadTypeMismatch" };
      const range = INTEGER_RANGES[type];
      if (range && (!Number.isInteger(n) || n < range[0] || n > range[1]))
        return { ok: false, status: "BadOutOfRange" };
      return { ok: true, value: n };
    }
  }
}

/** Engineering value of a raw value: declared type, then raw * scale + offset for numbers. */
export function convertRead(raw: unknown, tag: Pick<Tag, "type" | "scale" | "offset">): Converted {
  const r = asType(raw, tag.type);
  if (!r.ok || typeof r.value !== "number" || (tag.scale === 1 && tag.offset === 0)) return r;
  if (tag.type === "DateTime") return r;
  return { ok: true, value: r.value * tag.scale + tag.offset };
}

/**
 * Raw value to write for an engineering value: (value - offset) / scale, checked against the
 * declared type. The error text is the expected form (for "payload.<tag> must be ...").
 */
export function convertWrite(
  value: unknown,
  tag: Pick<Tag, "type" | "scale" | "offset">,
): { ok: true; value: TagScalar } | { ok: false; message: string } {
  if (tag.type === "auto")
    return {
      ok: false,
      message: "cannot be written: the tag has no declared data type (set one in the tag list)",
    };
  let raw: unknown = value;
  if (isNumericType(tag.type)) {
    const n = toNumber(value);
    if (n === undefined) return { ok: false, message: `must be a finite number${got(value)}` };
    raw = (n - tag.offset) / tag.scale;
    const range = INTEGER_RANGES[tag.type];
    if (range) {
      // Undo floating-point noise of the inverse scaling, but never round a real fraction away.
      const rounded = Math.round(raw as number);
      if (Math.abs((raw as number) - rounded) > 1e-9 * Math.max(1, Math.abs(rounded)))
        return { ok: false, message: `must give a whole raw value for ${tag.type}${got(value)}` };
      raw = rounded;
      if (rounded < range[0] || rounded > range[1])
        return {
          ok: false,
          message: `must give a raw value in ${range[0]}..${range[1]} for ${tag.type}${got(value)}`,
        };
    }
  }
  const r = asType(raw, tag.type);
  if (!r.ok || r.value === null) return { ok: false, message: `must be a ${tag.type} value${got(value)}` };
  return { ok: true, value: r.value };
}

/** The value at a JSON path, or undefined when the path does not exist. */
export function extractPath(root: unknown, path: readonly PathSegment[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (typeof seg === "number") {
      if (!Array.isArray(cur) || seg >= cur.length) return undefined;
      cur = cur[seg];
    } else {
      if (typeof cur !== "object" || cur === null || Array.isArray(cur) || !Object.hasOwn(cur, seg))
        return undefined;
      cur = (cur as Record<string, unknown>)[seg];
    }
  }
  return cur;
}

/**
 * An MQTT payload as a value: JSON when it parses (objects, numbers, true/false, quoted strings),
 * otherwise the text itself (a plain `running` or `12.5 mm` payload).
 */
export function parsePayload(text: string): unknown {
  const t = text.trim();
  if (t === "") return null;
  try {
    return JSON.parse(t);
  } catch {
    return text;
  }
}

/**
 * Client-side deadband (for MQTT; OPC UA servers apply it themselves, OPC 10000-4 7.22.2): a new
 * numeric value is reported when it differs from the last reported one by more than the
 * deadband; "percent" is of the last reported value's magnitude, as an MQTT tag has no EURange.
 */
export function passesDeadband(
  last: TagScalar | undefined,
  next: TagScalar,
  deadband: Tag["deadband"],
): boolean {
  if (!deadband || typeof last !== "number" || typeof next !== "number") return last !== next;
  const limit = deadband.type === "absolute" ? deadband.value : (Math.abs(last) * deadband.value) / 100;
  return Math.abs(next - last) > limit;
}
