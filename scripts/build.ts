/**
 * Build: TypeScript (lib/, nodes/) to CommonJS in dist/, then each node's editor files next to
 * its compiled .js, as Node-RED loads them: <name>.html, locales/<lang>/<name>.{json,html} and
 * the icons its .html names under icons/. Fails on a type error or a lib/ boundary violation.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { findViolations } from "./check-boundaries";

const ROOT = join(__dirname, "..");
const DIST = join(ROOT, "dist");

export function nodeFolders(): string[] {
  const nodesDir = join(ROOT, "nodes");
  return readdirSync(nodesDir).filter(
    (name) =>
      name !== "shared" &&
      statSync(join(nodesDir, name)).isDirectory() &&
      existsSync(join(nodesDir, name, `${name}.ts`)),
  );
}

/** Icon file names an editor .html asks for (`icon: "x.svg"`). */
export function iconsOf(html: string): string[] {
  return [...html.matchAll(/\bicon\s*:\s*["']([^"']+\.(?:svg|png))["']/g)].map((m) => m[1] as string);
}

function main(): void {
  const started = process.hrtime.bigint();
  const violations = findViolations(join(ROOT, "lib"));
  if (violations.length > 0) {
    console.error(`lib/ must stay pure:\n  ${violations.join("\n  ")}`);
    process.exit(1);
  }
  // --keep (for parallel work on several nodes): keep dist/ and carry on past type errors elsewhere.
  const keep = process.argv.includes("--keep");
  if (!keep) rmSync(DIST, { recursive: true, force: true });
  try {
    execFileSync(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", join(ROOT, "tsconfig.build.json")], {
      stdio: "inherit",
    });
  } catch {
    console.error("build failed: type errors above");
    if (!keep) process.exit(1);
  }
  for (const name of nodeFolders()) {
    const src = join(ROOT, "nodes", name);
    const out = join(DIST, "nodes", name);
    if (keep && !existsSync(join(src, `${name}.html`))) continue;
    const html = readFileSync(join(src, `${name}.html`), "utf8");
    cpSync(join(src, `${name}.html`), join(out, `${name}.html`));
    cpSync(join(src, "locales"), join(out, "locales"), { recursive: true });
    for (const icon of iconsOf(html)) {
      mkdirSync(join(out, "icons"), { recursive: true });
      cpSync(join(ROOT, "icons", icon), join(out, "icons", icon));
    }
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`built dist/ (${nodeFolders().length} nodes) in ${ms.toFixed(0)} ms`);
}

if (require.main === module) main();
