/**
 * CLI: `npm run simulator -- --port 4840 --seed 1 --speed 1 --machines 3 --life-hours 8 --counter-start 0`
 * Starts the OPC UA line simulator on 127.0.0.1 and runs until SIGINT/SIGTERM.
 */
import { parseArgs } from "node:util";
import { type LineSimulator, type LineSimulatorOptions, startLineSimulator } from "./server";

const USAGE = `Usage: npm run simulator -- [options]

  --port <n>           TCP port on 127.0.0.1 (default 4840, 0 = any free port)
  --seed <n>           PRNG seed, integer (default 1)
  --speed <x>          time acceleration, simulated s per wall s (default 1)
  --machines <n>       number of machines (default 3: Filler, Capper, Labeler, then Machine4, ...)
  --life-hours <x>     operating hours from new bearing to failure (default 8)
  --counter-start <n>  initial GoodCount/RejectCount/PartSequence, 0..4294967295 (default 0)
  --tick-ms <n>        wall ms per simulation tick (default 100)
  -h, --help           show this help
`;

function numberFlag(values: Record<string, string | boolean | undefined>, name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined || typeof raw === "boolean") return undefined;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n)) throw new Error(`--${name} expects a number, got "${raw}"`);
  return n;
}

function parseCli(argv: string[]): LineSimulatorOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string" },
      seed: { type: "string" },
      speed: { type: "string" },
      machines: { type: "string" },
      "life-hours": { type: "string" },
      "counter-start": { type: "string" },
      "tick-ms": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return "help";
  const opts: LineSimulatorOptions = {};
  const port = numberFlag(values, "port");
  const seed = numberFlag(values, "seed");
  const speed = numberFlag(values, "speed");
  const machines = numberFlag(values, "machines");
  const lifeHours = numberFlag(values, "life-hours");
  const counterStart = numberFlag(values, "counter-start");
  const tickMs = numberFlag(values, "tick-ms");
  if (port !== undefined) opts.port = port;
  if (seed !== undefined) opts.seed = seed;
  if (speed !== undefined) opts.speed = speed;
  if (machines !== undefined) opts.machines = machines;
  if (lifeHours !== undefined) opts.lifeHours = lifeHours;
  if (counterStart !== undefined) opts.counterStart = counterStart;
  if (tickMs !== undefined) opts.tickMs = tickMs;
  return opts;
}

async function main(): Promise<void> {
  let opts: LineSimulatorOptions | "help";
  try {
    opts = parseCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (opts === "help") {
    process.stdout.write(USAGE);
    return;
  }

  let sim: LineSimulator;
  try {
    sim = await startLineSimulator(opts);
  } catch (err) {
    process.stderr.write(
      `line simulator failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exitCode = 1;
    return;
  }
  process.stdout.write(
    [
      `line simulator listening on ${sim.endpointUrl}`,
      `namespace ${sim.namespaceUri} (ns=1)`,
      `NodeIds root ${sim.nodeIdRoot}, e.g. ${sim.nodeIdRoot}.${sim.machines[0] ?? "Filler"}.StateCurrent`,
      `machines ${sim.machines.join(", ")}`,
      "press Ctrl+C to stop",
      "",
    ].join("\n"),
  );

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal} received, stopping the line simulator\n`);
    // Fails loudly if something keeps the process alive after the server has stopped.
    const watchdog = setTimeout(() => {
      process.stderr.write("line simulator: open handles after stop, forcing exit\n");
      process.exit(1);
    }, 10_000);
    watchdog.unref();
    sim.stop().then(
      () => {
        process.removeListener("SIGINT", shutdown);
        process.removeListener("SIGTERM", shutdown);
        process.stdout.write("line simulator stopped\n");
        process.exitCode = 0;
      },
      (err: unknown) => {
        process.stderr.write(
          `line simulator stop failed: ${err instanceof Error ? err.message : String(err)}\n`,
        );
        process.exitCode = 1;
      },
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

void main();
