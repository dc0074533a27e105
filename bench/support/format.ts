/** Number formatting and the plain-text table every benchmark prints its results with. */

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
