/**
 * MQTT topic names and topic filters (MQTT 3.1.1 section 4.7, MQTT 5 section 4.7): checking them
 * and matching a topic against a filter with the `+` (one level) and `#` (this level and all
 * below) wildcards. Shared subscriptions (`$share/<group>/<filter>`) match like their filter.
 */

/** Longest topic in UTF-8 bytes (the length field of an MQTT string). */
export const MAX_TOPIC_BYTES = 65535;

const SHARE_PREFIX = "$share/";

function utf8Length(text: string): number {
  let bytes = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

function commonProblem(text: string, what: string): string | undefined {
  if (typeof text !== "string") return `${what} must be a string`;
  if (text === "") return `${what} must not be empty`;
  if (text.includes("\u0000")) return `${what} must not contain the null character`;
  if (utf8Length(text) > MAX_TOPIC_BYTES) return `${what} must not be longer than ${MAX_TOPIC_BYTES} bytes`;
  return undefined;
}

/**
 * Why `filter` is not a valid subscription filter, or undefined when it is. `#` must be a whole
 * level and the last one (`a/#`, `#`), `+` a whole level (`a/+/b`, `+`).
 */
export function topicFilterProblem(filter: string): string | undefined {
  const common = commonProblem(filter, "a topic filter");
  if (common !== undefined) return common;
  let levels = filter.split("/");
  if (filter.startsWith(SHARE_PREFIX)) {
    const group = levels[1] ?? "";
    if (group === "" || /[+#]/.test(group))
      return "a shared subscription needs a group name without wildcards: $share/<group>/<filter>";
    levels = levels.slice(2);
    if (levels.length === 0)
      return "a shared subscription needs a filter after the group: $share/<group>/<filter>";
  }
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] as string;
    if (level.includes("#") && (level !== "#" || i !== levels.length - 1))
      return `"#" must be a whole level and the last one (e.g. "line/#")`;
    if (level.includes("+") && level !== "+") return `"+" must be a whole level (e.g. "line/+/speed")`;
  }
  return undefined;
}

/** Why `topic` is not a valid topic name to publish to, or undefined when it is. */
export function topicNameProblem(topic: string): string | undefined {
  const common = commonProblem(topic, "a topic");
  if (common !== undefined) return common;
  if (/[+#]/.test(topic)) return `a topic to publish to must not contain the wildcards "+" or "#"`;
  return undefined;
}

/** The filter a shared subscription applies (`$share/g/a/+` -> `a/+`); other filters unchanged. */
export function unshared(filter: string): string {
  if (!filter.startsWith(SHARE_PREFIX)) return filter;
  const rest = filter.indexOf("/", SHARE_PREFIX.length);
  return rest < 0 ? "" : filter.slice(rest + 1);
}

/**
 * Whether a message published to `topic` matches the subscription `filter`. Both are assumed
 * valid. Topics starting with `$` (e.g. `$SYS/...`) are not matched by a filter starting with
 * a wildcard (MQTT 4.7.2).
 */
export function topicMatches(filter: string, topic: string): boolean {
  const f = unshared(filter).split("/");
  const t = topic.split("/");
  if (topic.startsWith("$") && (f[0] === "+" || f[0] === "#")) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === "#") return true; // also matches the parent level: "a/#" matches "a"
    if (i >= t.length) return false;
    if (level !== "+" && level !== t[i]) return false;
  }
  return f.length === t.length;
}
