/**
 * The tag list of a machine connector: what each tag reads (an OPC UA NodeId, or an MQTT topic
 * plus a JSON path), its data type, scaling, unit, deadband and watchdog limit. Tags arrive from
 * the editor (an array of TagConfig) or pasted as CSV; both are checked here so that a bad tag is
 * refused with a message that names it.
 */
import type { FieldError, ValidationResult } from "../validate";
import { got } from "../validate";

/** Data types a tag may declare (OPC UA built-in types, OPC 10000-6 5.1.2); "auto" takes what comes. */
export const TAG_TYPES = [
  "auto",
  "Boolean",
  "SByte",
  "Byte",
  "Int16",
  "UInt16",
  "Int32",
  "UInt32",
  "Int64",
  "UInt64",
  "Float",
  "Double",
  "String",
  "DateTime",
] as const;
export type TagType = (typeof TAG_TYPES)[number];

/** Inclusive ranges of the integer types (OPC 10000-6 5.1.2). Int64 is limited to safe integers. */
export const INTEGER_RANGES: Partial<Record<TagType, readonly [number, number]>> = {
  SByte: [-128, 127],
  Byte: [0, 255],
  Int16: [-32768, 32767],
  UInt16: [0, 65535],
  Int32: [-2147483648, 2147483647],
  UInt32: [0, 4294967295],
  Int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  UInt64: [0, Number.MAX_SAFE_INTEGER],
};

export function isNumericType(type: TagType): boolean {
  return type === "Float" || type === "Double" || INTEGER_RANGES[type] !== undefined;
}

export const DEADBAND_TYPES = ["none", "absolute", "percent"] as const;
export type DeadbandType = (typeof DEADBAND_TYPES)[number];

export const TAG_SOURCES = ["opcua", "mqtt"] as const;
export type TagSource = (typeof TAG_SOURCES)[number];

/** One tag as the editor stores it (every field a string or number, as in the CSV). */
export interface TagConfig {
  /** Key of the value in `MachineSample.values`. */
  name: string;
  /** OPC UA NodeId (ns=1;s=Line.Filler.Speed) or MQTT topic (plant/filler/status). */
  address: string;
  /** MQTT only: JSON path into the payload ("" = the whole payload), e.g. "data.speed" or "values[2]". */
  path: string;
  type: TagType;
  scale: number;
  offset: number;
  unit: string;
  /** "" = the connector's setting. */
  deadbandType: "" | DeadbandType;
  deadband: number;
  /** Watchdog limit of this tag in ms; 0 = none (the connector's limit still applies). */
  staleMs: number;
}

export type PathSegment = string | number;

/** A checked tag, ready for the connector. */
export interface Tag {
  name: string;
  address: string;
  path: PathSegment[];
  type: TagType;
  scale: number;
  offset: number;
  unit: string;
  deadband?: { type: "absolute" | "percent"; value: number };
  staleMs: number;
}

/** Settings that apply to every tag that does not set its own. */
export interface TagDefaults {
  deadbandType: DeadbandType;
  deadband: number;
}

// OPC 10000-6 5.3.1.10: [ns=<index>;|nsu=<uri>;]<i|s|g|b>=<identifier>
const NODE_ID =
  /^(?:ns=(\d{1,5});|nsu=[^;]+;)?(?:i=(\d{1,10})|s=.+|g=[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|b=[A-Za-z0-9+/]+={0,2})$/s;

/** True when `text` is an OPC UA NodeId in its string form (OPC 10000-6 5.3.1.10). */
export function isNodeId(text: string): boolean {
  const m = NODE_ID.exec(text);
  if (!m) return false;
  if (m[1] !== undefined && Number(m[1]) > 65535) return false;
  if (m[2] !== undefined && Number(m[2]) > 0xffffffff) return false;
  return true;
}

/**
 * An MQTT topic name to subscribe a tag to: no wildcards (a tag is one value), no empty topic,
 * no NUL (MQTT 3.1.1 4.7.3).
 */
function topicProblem(topic: string): string | undefined {
  if (topic === "") return "must be an MQTT topic, e.g. plant/filler/status";
  if (/[#+]/.test(topic)) return `must be a topic without the wildcards "+" and "#"${got(topic)}`;
  if (topic.includes("\u0000")) return "must not contain NUL";
  return undefined;
}

const PATH_TOKEN = /^(?:\.?([^.[\]]+)|\[(\d+)\]|\[["']([^"']*)["']\])/;

/** Parses "data.speed", "$.data.values[2]" or "data['a.b']" into segments; undefined if malformed. */
export function parseJsonPath(path: string): PathSegment[] | undefined {
  let rest = path.trim();
  if (rest === "" || rest === "$") return [];
  if (rest.startsWith("$")) rest = rest.slice(1);
  const out: PathSegment[] = [];
  while (rest !== "") {
    const m = PATH_TOKEN.exec(rest);
    if (!m) return undefined;
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(m[3] ?? "");
    rest = rest.slice(m[0].length);
  }
  return out;
}

function tagLabel(index: number, name: unknown): string {
  return typeof name === "string" && name.trim() !== ""
    ? `tags[${index}] "${name.trim()}"`
    : `tags[${index}]`;
}

/**
 * Checks a tag list for one source. Errors name the tag by index and name, e.g.
 * `tags[2] "Speed".address must be an OPC UA NodeId ...`.
 */
export function checkTags(
  tags: readonly TagConfig[],
  source: TagSource,
  defaults: TagDefaults,
): ValidationResult<Tag[]> {
  const errors: FieldError[] = [];
  const out: Tag[] = [];
  const seen = new Set<string>();
  tags.forEach((t, i) => {
    const label = tagLabel(i, t.name);
    const err = (field: string, message: string) => errors.push({ field: `${label}.${field}`, message });
    const name = typeof t.name === "string" ? t.name.trim() : "";
    if (name === "") err("name", "is required");
    else if (seen.has(name)) err("name", `must be unique; "${name}" is used twice`);
    seen.add(name);
    const address = typeof t.address === "string" ? t.address.trim() : "";
    if (source === "opcua") {
      if (!isNodeId(address))
        err("address", `must be an OPC UA NodeId like ns=1;s=Line.Filler.Speed or i=2258${got(t.address)}`);
    } else {
      const problem = topicProblem(address);
      if (problem) err("address", problem);
    }
    const path = parseJsonPath(typeof t.path === "string" ? t.path : "");
    if (!path) err("path", `must be a JSON path like data.speed or values[2]${got(t.path)}`);
    else if (source === "opcua" && path.length > 0) err("path", "is for MQTT tags only; leave it empty");
    const type = (t.type as string) === "" || t.type === undefined ? "auto" : t.type;
    if (!(TAG_TYPES as readonly string[]).includes(type))
      err("type", `must be one of ${TAG_TYPES.join(", ")}${got(t.type)}`);
    const scale = t.scale ?? 1;
    const offset = t.offset ?? 0;
    if (typeof scale !== "number" || !Number.isFinite(scale) || scale === 0)
      err("scale", `must be a finite number other than 0${got(t.scale)}`);
    if (typeof offset !== "number" || !Number.isFinite(offset))
      err("offset", `must be a finite number${got(t.offset)}`);
    const scaled = scale !== 1 || offset !== 0;
    if (scaled && !isNumericType(type as TagType) && type !== "auto")
      err("scale", `applies to numeric types only, not ${type}`);
    const deadbandType =
      t.deadbandType === "" || t.deadbandType === undefined ? defaults.deadbandType : t.deadbandType;
    const deadbandValue =
      t.deadbandType === "" || t.deadbandType === undefined ? defaults.deadband : t.deadband;
    if (!(DEADBAND_TYPES as readonly string[]).includes(deadbandType))
      err("deadbandType", `must be one of "", ${DEADBAND_TYPES.join(", ")}${got(t.deadbandType)}`);
    if (deadbandType !== "none" && (typeof deadbandValue !== "number" || !(deadbandValue >= 0)))
      err("deadband", `must be a number >= 0${got(deadbandValue)}`);
    if (deadbandType === "percent" && deadbandValue > 100)
      err("deadband", `must be a percentage 0..100${got(deadbandValue)}`);
    if (typeof t.staleMs !== "number" || !(t.staleMs >= 0))
      err("staleMs", `must be milliseconds >= 0 (0 = off)${got(t.staleMs)}`);
    const tag: Tag = {
      name,
      address,
      path: path ?? [],
      type: type as TagType,
      scale,
      offset,
      unit: typeof t.unit === "string" ? t.unit.trim() : "",
      staleMs: t.staleMs ?? 0,
    };
    if (deadbandType !== "none" && deadbandValue > 0)
      tag.deadband = { type: deadbandType as "absolute" | "percent", value: deadbandValue };
    out.push(tag);
  });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: out };
}

/** The CSV columns in order; a header row with these names may come first. */
export const TAG_CSV_COLUMNS = [
  "name",
  "address",
  "path",
  "type",
  "scale",
  "offset",
  "unit",
  "deadbandType",
  "deadband",
  "staleMs",
] as const;

const NUMERIC_COLUMNS = new Set(["scale", "offset", "deadband", "staleMs"]);

/** Splits one CSV line (RFC 4180 quoting) on `sep`. */
function splitCsvLine(line: string, sep: string): string[] | undefined {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell.trim() === "") {
      quoted = true;
      cell = "";
    } else if (c === sep) {
      cells.push(cell.trim());
      cell = "";
    } else cell += c;
  }
  if (quoted) return undefined;
  cells.push(cell.trim());
  return cells;
}

/**
 * Reads a tag list pasted as CSV: one tag a line, columns TAG_CSV_COLUMNS (only name and
 * address are required), separated by commas or tabs (cells copied from a spreadsheet), with an
 * optional header row. NodeIds contain ";" so ";" is not a separator. Errors name the line.
 */
export function parseTagCsv(text: string): ValidationResult<TagConfig[]> {
  const lines = text.split(/\r?\n/);
  const errors: FieldError[] = [];
  const out: TagConfig[] = [];
  const first = lines.find((l) => l.trim() !== "" && !l.trim().startsWith("#")) ?? "";
  const sep = first.includes("\t") ? "\t" : ",";
  let columns: readonly string[] = TAG_CSV_COLUMNS;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const cells = splitCsvLine(raw, sep);
    const where = `line ${i + 1}`;
    if (!cells) {
      errors.push({ field: where, message: "has an unclosed quote" });
      return;
    }
    if (out.length === 0 && errors.length === 0 && cells[0]?.toLowerCase() === "name") {
      const unknown = cells.filter((c) => !(TAG_CSV_COLUMNS as readonly string[]).includes(c));
      if (unknown.length > 0)
        errors.push({
          field: where,
          message: `names unknown columns ${unknown.join(", ")}; known: ${TAG_CSV_COLUMNS.join(", ")}`,
        });
      columns = cells;
      return;
    }
    if (cells.length > columns.length) {
      errors.push({
        field: where,
        message: `has ${cells.length} cells; at most ${columns.length} (${columns.join(", ")})`,
      });
      return;
    }
    const row: Record<string, string | number> = {
      name: "",
      address: "",
      path: "",
      type: "auto",
      scale: 1,
      offset: 0,
      unit: "",
      deadbandType: "",
      deadband: 0,
      staleMs: 0,
    };
    cells.forEach((cell, c) => {
      const column = columns[c] as string;
      if (cell === "") return;
      if (NUMERIC_COLUMNS.has(column)) {
        const n = Number(cell);
        if (!Number.isFinite(n))
          errors.push({ field: `${where}.${column}`, message: `must be a number${got(cell)}` });
        else row[column] = n;
      } else row[column] = cell;
    });
    out.push(row as unknown as TagConfig);
  });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: out };
}
