/**
 * Writes from an input message `{tag: value, ...}`: every entry is checked (known tag, writable,
 * value fits the declared type after inverse scaling) before anything is written, so a refused
 * message writes nothing.
 */
import type { TagScalar } from "../types";
import type { FieldError, ValidationResult } from "../validate";
import { convertWrite } from "./convert";
import type { Tag, TagSource } from "./tags";

export interface TagWrite {
  tag: Tag;
  /** The raw value to send: (value - offset) / scale in the tag's data type. */
  raw: TagScalar;
  /** The engineering value as the message gave it. */
  value: unknown;
}

function tagList(tags: readonly Tag[]): string {
  const names = tags.slice(0, 10).map((t) => t.name);
  return tags.length > 10 ? `${names.join(", ")}, ... ${tags.length - 10} more` : names.join(", ");
}

export function checkWrites(
  tags: ReadonlyMap<string, Tag>,
  source: TagSource,
  payload: unknown,
): ValidationResult<TagWrite[]> {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload))
    return {
      ok: false,
      errors: [{ field: "", message: 'must be an object of tag values to write, e.g. {"Speed": 120}' }],
    };
  const errors: FieldError[] = [];
  const writes: TagWrite[] = [];
  for (const [name, value] of Object.entries(payload)) {
    const tag = tags.get(name);
    if (!tag) {
      errors.push({
        field: name,
        message: `is not a tag of this connector (tags: ${tagList([...tags.values()])})`,
      });
      continue;
    }
    if (source === "mqtt" && tag.path.length > 0) {
      errors.push({
        field: name,
        message: "is read from a JSON path inside a payload and cannot be written",
      });
      continue;
    }
    const c = convertWrite(value, tag);
    if (!c.ok) errors.push({ field: name, message: c.message });
    else writes.push({ tag, raw: c.value, value });
  }
  if (errors.length > 0) return { ok: false, errors };
  if (writes.length === 0)
    return { ok: false, errors: [{ field: "", message: "must name at least one tag to write" }] };
  return { ok: true, value: writes };
}
