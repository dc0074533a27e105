/**
 * Keeps lib/ pure (ARCHITECTURE "Layout"): no Node-RED, no I/O modules, no clock reads, no timers.
 * Run by `npm run build` and `npm run lint`; exits 1 naming each offending line.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = join(__dirname, "..");
const FORBIDDEN_MODULES = [
  "node-red",
  "fs",
  "fs/promises",
  "net",
  "http",
  "https",
  "http2",
  "dgram",
  "tls",
  "child_process",
  "worker_threads",
  "cluster",
];
const moduleNames = FORBIDDEN_MODULES.map((m) => `(?:node:)?${m.replace("/", "\\/")}`).join("|");
const RULES: Array<{ pattern: RegExp; why: string }> = [
  {
    pattern: new RegExp(`from\\s+["'](?:${moduleNames})(?:\\/[^"']*)?["']`),
    why: "imports an I/O or Node-RED module",
  },
  {
    pattern: new RegExp(`require\\(\\s*["'](?:${moduleNames})(?:\\/[^"']*)?["']\\s*\\)`),
    why: "requires an I/O or Node-RED module",
  },
  {
    pattern: new RegExp(`import\\(\\s*["'](?:${moduleNames})["']\\s*\\)`),
    why: "imports an I/O or Node-RED module",
  },
  {
    pattern: /\bDate\.now\s*\(|\bnew\s+Date\s*\(\s*\)|\bperformance\.now\s*\(|\bprocess\.hrtime\b/,
    why: "reads the clock",
  },
  { pattern: /\b(setTimeout|setInterval|setImmediate)\s*\(/, why: "starts a timer" },
];

/** Comments removed, line structure kept, so line numbers stay right. */
function stripComments(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " "))
    .replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.(ts|js|mjs|cjs)$/.test(name) ? [path] : [];
  });
}

export function findViolations(dir: string): string[] {
  const found: string[] = [];
  for (const file of files(dir)) {
    const lines = stripComments(readFileSync(file, "utf8")).split("\n");
    lines.forEach((line, i) => {
      for (const rule of RULES) {
        if (rule.pattern.test(line))
          found.push(`${relative(ROOT, file)}:${i + 1}: ${rule.why}: ${line.trim()}`);
      }
    });
  }
  return found;
}

if (require.main === module) {
  const violations = findViolations(join(ROOT, "lib"));
  if (violations.length > 0) {
    console.error("lib/ must stay pure (no node-red, no I/O, no clock, no timers):");
    for (const v of violations) console.error(`  ${v}`);
    process.exit(1);
  }
  console.log("lib/ boundaries: ok");
}
