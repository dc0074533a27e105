/**
 * Runs Node-RED 4.1 (the project's devDependency) as a child process with a given user
 * directory: used by `npm start` (the demo factory) and by test/package (the packed tarball
 * installed into a fresh user directory). Listens on 127.0.0.1 only.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface SettingsOptions {
  port: number;
  /** Extra module names Node-RED must not load (e.g. peers installed only for benchmarks). */
  nodesExcludes?: string[];
  /** Palette category order; the demo shows the suite's category first. */
  paletteCategories?: string[];
}

/**
 * Node-RED modules installed only as baselines for bench/: Node-RED would otherwise load them
 * from the project's node_modules into the demo and the package test.
 */
export const BENCH_ONLY_MODULES = ["node-red-contrib-opcua"];

/** settings.js of a suite user directory: loopback only, file-backed context, no outbound calls. */
export function settingsFile(options: SettingsOptions): string {
  const settings = {
    uiHost: "127.0.0.1",
    uiPort: options.port,
    flowFile: "flows.json",
    flowFilePretty: true,
    // ARCHITECTURE rule 7: reducer state survives a restart through the file-backed store.
    contextStorage: {
      default: { module: "localfilesystem" },
      memory: { module: "memory" },
    },
    telemetry: { enabled: false },
    diagnostics: { enabled: true, ui: false },
    editorTheme: { tours: false, projects: { enabled: false }, palette: { catalogues: [] } },
    externalModules: { autoInstall: false },
    nodesExcludes: [...BENCH_ONLY_MODULES, ...(options.nodesExcludes ?? [])],
    ...(options.paletteCategories ? { paletteCategories: options.paletteCategories } : {}),
    logging: { console: { level: "info", metrics: false, audit: false } },
  };
  return `// Written by scripts/node-red.ts; changes here are overwritten.\nmodule.exports = ${JSON.stringify(settings, null, 2)};\n`;
}

export interface RunningNodeRed {
  url: string;
  process: ChildProcess;
  /** Every line Node-RED printed so far. */
  log: string[];
  stop(): Promise<void>;
}

const NODE_RED = join(__dirname, "..", "node_modules", "node-red", "red.js");

/** Starts Node-RED and resolves once its HTTP server answers; rejects with its log if it does not. */
export async function startNodeRed(
  userDir: string,
  options: SettingsOptions & { timeoutMs?: number; stdio?: "inherit" | "pipe" },
): Promise<RunningNodeRed> {
  writeFileSync(join(userDir, "settings.js"), settingsFile(options));
  const child = spawn(
    process.execPath,
    [NODE_RED, "--userDir", userDir, "--settings", join(userDir, "settings.js")],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NODE_RED_ENABLE_TOURS: "false" },
    },
  );
  const log: string[] = [];
  const take = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.trim() === "") continue;
      log.push(line);
      if (options.stdio === "inherit") console.log(line);
    }
  };
  child.stdout?.on("data", take);
  child.stderr?.on("data", take);
  const url = `http://127.0.0.1:${options.port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
      child.once("exit", () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill("SIGTERM");
    });
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`${url}/settings`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return { url, process: child, log, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`Node-RED did not start on ${url}:\n${log.slice(-30).join("\n")}`);
}
