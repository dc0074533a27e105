/**
 * Number formatting, the plain-text table and the machine line every benchmark prints its results
 * with.
 */
import os from "node:os";

/** Fixed decimals; "-" for a missing or non-finite figure. */
export const f = (n: number | null | undefined, digits = 0): string =>
  n === null || n === undefined || !Number.isFinite(n) ? "-" : n.toFixed(digits);

/** Three significant digits. */
export const g = (n: number): string => (Number.isFinite(n) ? n.toPrecision(3) : "-");

/** Rounded, with thousands separators. */
export const thousands = (n: number): string => Math.round(n).toLocaleString("en-US");

/** Rows as aligned columns (the first left-aligned, the rest right-aligned), a rule under the header. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows
    .map((r, i) => {
      const line = r
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
        .join("  ");
      return i === 0 ? `${line}\n${widths.map((w) => "-".repeat(w)).join("  ")}` : line;
    })
    .join("\n");
}

/** The machine a benchmark ran on (written to its results JSON). */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGB: number;
  os: string;
  node: string;
  loadAverageAtStart: number[];
}

/** The machine now, printed as one line. */
export function machineInfo(): MachineInfo {
  const machine = {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg(),
  };
  console.log(
    `machine: ${machine.cores} x ${machine.cpu}, ${machine.memoryGB} GB, ${machine.os}, Node ${machine.node}, load ${machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(" ")}`,
  );
  return machine;
}
