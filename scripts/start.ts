/**
 * `npm start`: the demo factory. Builds (prestart), starts the OPC UA line simulator on
 * opc.tcp://127.0.0.1:4840, starts influxd when it is installed, prepares the Node-RED user
 * directory `.node-red/` (the suite and FlowFuse Dashboard 2.0 installed, file-backed context),
 * deploys flows/demo-factory.json and starts Node-RED 4.1 on http://127.0.0.1:1880.
 * Ctrl-C (SIGINT) or SIGTERM stops every process it started.
 *
 * Environment: MFG_DEMO_PORT (1880), MFG_SIM_PORT (4840), MFG_SIM_SPEED (1), MFG_SIM_SEED (1).
 */
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import { startLineSimulator } from "../sim/server";
import { type RunningNodeRed, startNodeRed } from "./node-red";
import { findBinary, type InfluxService, startInfluxd } from "./services";

const ROOT = join(__dirname, "..");
const USER_DIR = join(ROOT, ".node-red");
const DASHBOARD = "@flowfuse/node-red-dashboard";

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return n;
}

/** Link a package into .node-red/node_modules the way `npm install <folder>` does. */
function link(name: string, target: string): void {
  const at = join(USER_DIR, "node_modules", name);
  mkdirSync(join(at, ".."), { recursive: true });
  if (existsSync(at) || isLink(at)) rmSync(at, { recursive: true, force: true });
  symlinkSync(relative(join(at, ".."), target), at, "dir");
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** .node-red/ with the suite (this checkout) and the dashboard installed, and the demo flow. */
function prepareUserDir(): void {
  mkdirSync(USER_DIR, { recursive: true });
  const own = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    name: string;
    devDependencies: Record<string, string>;
  };
  writeFileSync(
    join(USER_DIR, "package.json"),
    `${JSON.stringify(
      {
        name: "mfgkit-demo-factory",
        description: "Node-RED user directory of the demo factory (written by npm start)",
        private: true,
        dependencies: { [own.name]: "file:..", [DASHBOARD]: own.devDependencies[DASHBOARD] },
      },
      null,
      2,
    )}\n`,
  );
  link(own.name, ROOT);
  link(DASHBOARD, join(ROOT, "node_modules", DASHBOARD));
  // The demo is deployed as the repository has it; edits made in the editor last until the next start.
  copyFileSync(join(ROOT, "flows", "demo-factory.json"), join(USER_DIR, "flows.json"));
}

async function main(): Promise<void> {
  const port = envNumber("MFG_DEMO_PORT", 1880);
  const stops: Array<() => Promise<void>> = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log("\nstopping the demo factory ...");
    for (const stop of stops.reverse()) {
      await stop().catch((err: Error) => console.error(`  while stopping: ${err.message}`));
    }
    console.log("stopped.");
    process.exit(code);
  };
  process.on("SIGINT", () => void stopAll(0));
  process.on("SIGTERM", () => void stopAll(0));

  try {
    const sim = await startLineSimulator({
      port: envNumber("MFG_SIM_PORT", 4840),
      speed: envNumber("MFG_SIM_SPEED", 1),
      seed: envNumber("MFG_SIM_SEED", 1),
    });
    stops.push(() => sim.stop());
    console.log(`OPC UA line simulator: ${sim.endpointUrl} (machines ${sim.machines.join(", ")})`);

    let influx: InfluxService | undefined;
    if (findBinary("influxd")) {
      try {
        const dataDir = join(USER_DIR, "influxdb");
        // the usual port when it is free, so dashboards and tools find it; any free port otherwise
        influx = await startInfluxd({ dataDir, port: 8086 }).catch(() => startInfluxd({ dataDir }));
        const running = influx;
        stops.push(() => running.stop());
        console.log(`InfluxDB 1.x: ${influx.url} (data in .node-red/influxdb)`);
      } catch (err) {
        console.warn(`InfluxDB could not be started, the demo runs without it: ${(err as Error).message}`);
      }
    } else {
      console.log(
        "InfluxDB: influxd is not installed, the demo runs without it (npm test installs it on Debian).",
      );
    }

    prepareUserDir();
    process.env.MFG_OPCUA_ENDPOINT = sim.endpointUrl;
    process.env.MFG_INFLUX_URL = influx?.url ?? "";
    const red: RunningNodeRed = await startNodeRed(USER_DIR, {
      port,
      stdio: "inherit",
      timeoutMs: 90_000,
      paletteCategories: [
        "manufacturing",
        "common",
        "function",
        "network",
        "sequence",
        "parser",
        "storage",
        "dashboard 2",
      ],
    });
    stops.push(() => red.stop());
    red.process.once("exit", (code) => {
      if (!stopping) {
        console.error(`Node-RED exited (code ${code}); stopping the demo.`);
        void stopAll(1);
      }
    });
    console.log(
      [
        "",
        "The demo factory is running:",
        `  editor     ${red.url}/`,
        `  dashboard  ${red.url}/dashboard`,
        `  simulator  ${sim.endpointUrl}`,
        "Press Ctrl-C to stop everything.",
        "",
      ].join("\n"),
    );
  } catch (err) {
    console.error(`The demo could not start: ${(err as Error).message}`);
    await stopAll(1);
  }
}

void main();
