// Makes sure the programs the test suite runs for real are installed: influxd (InfluxDB 1.x),
// mosquitto + mosquitto_passwd (Mosquitto 2.x) and Chromium (headless editor tests).
// Run by `npm test` before mocha. Quick and silent-ish when everything is present; on Debian/Ubuntu as
// root it installs what is missing with apt-get; anywhere else it exits 1 saying what to install.
//
//   tsx scripts/provision.ts               influxdb, mosquitto, chromium (default)
//   tsx scripts/provision.ts --browser     same; kept for explicitness (chromium is part of the default)
//   tsx scripts/provision.ts --no-browser  only influxdb and mosquitto

import { spawnSync } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { findBinary } from "./services";

const CHROMIUM_PATH = "/usr/bin/chromium";

interface Requirement {
  /** What we look for. */
  label: string;
  /** Debian package providing it. */
  debPackage: string;
  /** What to install elsewhere. */
  elsewhere: string;
  locate: () => string | undefined;
}

function executable(path: string): string | undefined {
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
}

function requirements(withBrowser: boolean): Requirement[] {
  const list: Requirement[] = [
    {
      label: "influxd",
      debPackage: "influxdb",
      elsewhere: "InfluxDB 1.x (influxd 1.6 or later 1.x; not 2.x/3.x)",
      locate: () => findBinary("influxd"),
    },
    {
      label: "mosquitto",
      debPackage: "mosquitto",
      elsewhere: "Mosquitto 2.x broker",
      locate: () => findBinary("mosquitto"),
    },
    {
      label: "mosquitto_passwd",
      debPackage: "mosquitto",
      elsewhere: "mosquitto_passwd (ships with the Mosquitto 2.x broker package)",
      locate: () => findBinary("mosquitto_passwd"),
    },
  ];
  if (withBrowser) {
    list.push({
      label: "chromium",
      debPackage: "chromium",
      elsewhere: `Chromium at ${CHROMIUM_PATH} (the package tests drive the Node-RED editor headless)`,
      locate: () => executable(CHROMIUM_PATH),
    });
  }
  return list;
}

function osRelease(): Map<string, string> {
  const values = new Map<string, string>();
  let text = "";
  try {
    text = readFileSync("/etc/os-release", "utf8");
  } catch {
    return values;
  }
  for (const line of text.split("\n")) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] === undefined || match[2] === undefined) continue;
    values.set(match[1], match[2].replace(/^["']|["']$/g, ""));
  }
  return values;
}

function isDebianLike(): boolean {
  const release = osRelease();
  const ids = `${release.get("ID") ?? ""} ${release.get("ID_LIKE") ?? ""}`.toLowerCase().split(/\s+/);
  return ids.includes("debian") || ids.includes("ubuntu");
}

function run(command: string, args: string[]): void {
  console.log(`provision: running: ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    timeout: 15 * 60_000,
  });
  if (result.error) throw new Error(`${command} failed to run: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited with ${result.status ?? result.signal}`);
  }
}

function explainAndFail(missing: Requirement[], reason: string): never {
  console.error(`provision: missing ${missing.map((r) => r.label).join(", ")} (${reason}).`);
  console.error("provision: the test suite runs these programs for real. Install:");
  for (const r of missing) console.error(`  - ${r.elsewhere}`);
  const debs = [...new Set(missing.map((r) => r.debPackage))].join(" ");
  console.error(
    `provision: Debian/Ubuntu (as root): apt-get update && apt-get install -y --no-install-recommends ${debs}`,
  );
  console.error("provision: other systems: see docs/testing.md (binaries may be on PATH or in /usr/sbin).");
  process.exit(1);
}

function main(): void {
  const args = process.argv.slice(2);
  for (const arg of args) {
    if (arg !== "--browser" && arg !== "--no-browser") {
      console.error(`provision: unknown argument ${arg} (accepted: --browser, --no-browser)`);
      process.exit(2);
    }
  }
  const withBrowser = !args.includes("--no-browser");
  const reqs = requirements(withBrowser);

  const missing = reqs.filter((r) => r.locate() === undefined);
  if (missing.length === 0) {
    console.log(`provision: ok — ${reqs.map((r) => `${r.label} ${r.locate()}`).join(", ")}`);
    return;
  }

  if (!isDebianLike()) explainAndFail(missing, "not a Debian/Ubuntu system, cannot install automatically");
  if (process.getuid?.() !== 0) explainAndFail(missing, "not root, cannot run apt-get");

  const packages = [...new Set(missing.map((r) => r.debPackage))];
  console.log(
    `provision: installing ${packages.join(" ")} with apt-get (missing: ${missing.map((r) => r.label).join(", ")})`,
  );
  console.log(
    "provision: the packages may start their system services (influxdb on :8086, mosquitto on :1883); " +
      "that is harmless, the tests start their own instances on free 127.0.0.1 ports.",
  );
  try {
    run("apt-get", ["update"]);
    run("apt-get", ["install", "-y", "--no-install-recommends", ...packages]);
  } catch (err) {
    console.error(`provision: ${(err as Error).message}`);
    explainAndFail(missing, "apt-get failed");
  }

  const stillMissing = reqs.filter((r) => r.locate() === undefined);
  if (stillMissing.length > 0) explainAndFail(stillMissing, "still missing after apt-get install");
  console.log(`provision: ok — ${reqs.map((r) => `${r.label} ${r.locate()}`).join(", ")}`);
}

main();
