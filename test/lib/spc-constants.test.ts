/**
 * Control-chart constants (lib/spc/constants.ts) against STANDARDS.md 3.1 and
 * spc-vectors.json → constants: the exact table (7 decimals), the published 3-decimal table, qcc 3.0's
 * tables, the closed forms for n = 2 and 3, mpmath values of c4 beyond the table, and an independent
 * quadrature of d2 written here.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { c4, controlChartConstants, d2, d3 } from "../../lib/spc/constants";

interface ConstantsVectors {
  exact: Array<Record<string, number>>;
  published_3dp: Array<Record<string, number>>;
  qcc_d2_table: Array<number | null>;
  qcc_d3_table_first10: Array<number | null>;
}

const VECTORS = JSON.parse(
  readFileSync(join(__dirname, "..", "..", "..", "shared", "reference", "spc-vectors.json"), "utf8"),
) as { constants: ConstantsVectors };
const CONSTANTS = VECTORS.constants;

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= tol,
    `${what}: ${actual} vs ${expected} (|diff| ${Math.abs(actual - expected)} > ${tol})`,
  );
}

function closeRel(actual: number, expected: number, rel: number, what: string): void {
  const diff = Math.abs(actual - expected) / Math.abs(expected);
  assert.ok(diff <= rel, `${what}: ${actual} vs ${expected} (relative ${diff} > ${rel})`);
}

describe("lib/spc/constants", () => {
  describe("exact table", () => {
    it("matches every row of spc-vectors constants.exact (7 decimals: 5e-8 absolute)", () => {
      assert.equal(CONSTANTS.exact.length, 24, "rows for n = 2..25");
      for (const row of CONSTANTS.exact) {
        const n = row.n!;
        const k = controlChartConstants(n) as unknown as Record<string, number>;
        for (const [key, expected] of Object.entries(row)) {
          assert.ok(key in k, `n = ${n}: constant ${key} is returned`);
          close(k[key]!, expected, 5e-8, `n = ${n} ${key}`);
        }
      }
    });

    it("matches the published 3-decimal table (c4 to 4) at 1e-3: the table truncates in places", () => {
      // published_vs_exact_rounding_differences: e.g. D4(3) is printed 2.574 where the exact value
      // 2.57459 rounds to 2.575, so a rounding-level comparison (5e-4) would fail; 1e-3 holds.
      for (const row of CONSTANTS.published_3dp) {
        const n = row.n!;
        const k = controlChartConstants(n) as unknown as Record<string, number>;
        for (const [key, expected] of Object.entries(row)) {
          close(k[key]!, expected, 1e-3 + 1e-12, `n = ${n} ${key} (published)`);
        }
      }
    });

    it("has the closed forms for n = 2 and 3", () => {
      close(d2(2), 2 / Math.sqrt(Math.PI), 1e-15, "d2(2) = 2/√π");
      close(d3(2), Math.sqrt(2 - 4 / Math.PI), 1e-15, "d3(2) = √(2 − 4/π)");
      close(d2(3), 3 / Math.sqrt(Math.PI), 1e-15, "d2(3) = 3/√π");
      // E[W²] = 2 + 3√3/π for n = 3, so d3(3)² = 2 + (3√3 − 9)/π.
      close(d3(3), Math.sqrt(2 + (3 * Math.sqrt(3) - 9) / Math.PI), 1e-15, "d3(3)");
      close(c4(2), Math.sqrt(2 / Math.PI), 1e-15, "c4(2) = √(2/π)");
      close(c4(3), Math.sqrt(Math.PI) / 2, 1e-15, "c4(3) = √π/2");
    });

    it("agrees with an independent quadrature of d2 = ∫[1 − (1−Φ)ⁿ − Φⁿ]dx at 1e-10", () => {
      // Composite 5-point Gauss–Legendre over [−12, 12] in cells of 0.02; Φ at every node from the
      // cumulative Gauss–Legendre integral of φ (no erf used). Beyond ±12 the integrand is < 1e-30.
      const gx = [-0.906179845938664, -0.5384693101056831, 0, 0.5384693101056831, 0.906179845938664];
      const gw = [
        0.2369268850561891, 0.4786286704993665, 0.5688888888888889, 0.4786286704993665, 0.2369268850561891,
      ];
      const phi = (x: number) => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
      const integ = (f: (x: number) => number, a: number, b: number) => {
        let s = 0;
        for (let i = 0; i < 5; i++) s += gw[i]! * f((a + b) / 2 + ((b - a) / 2) * gx[i]!);
        return ((b - a) / 2) * s;
      };
      const h = 0.02;
      const cells = 1200;
      const nodesPhi: Array<{ w: number; p: number }> = [];
      let cum = 0; // Φ(−12) ≈ 1.8e-33
      for (let c = 0; c < cells; c++) {
        const a = -12 + c * h;
        const b = a + h;
        for (let i = 0; i < 5; i++) {
          const x = (a + b) / 2 + (h / 2) * gx[i]!;
          nodesPhi.push({ w: (h / 2) * gw[i]!, p: cum + integ(phi, a, x) });
        }
        cum += integ(phi, a, b);
      }
      close(cum, 1, 1e-14, "∫φ over [−12, 12]");
      for (const n of [2, 3, 5, 10, 17, 25]) {
        let sum = 0;
        for (const { w, p } of nodesPhi) sum += w * (1 - (1 - p) ** n - p ** n);
        close(d2(n), sum, 1e-10, `d2(${n}) by quadrature`);
      }
    });
  });

  describe("c4", () => {
    // mpmath, 20 digits (strings: more digits than a double holds), √(2/(n−1))·Γ(n/2)/Γ((n−1)/2) (the session's /tmp/spc/c4.json).
    const MPMATH: Array<[number, string]> = [
      [50, "0.99491130466973282448"],
      [100, "0.99747797607126351078"],
      [101, "0.99750316395510508721"],
      [150, "0.99832356703247005376"],
      [200, "0.99874451266455058698"],
      [500, "0.99949912381171156408"],
      [1000, "0.99974978110151320321"],
      [5000, "0.9999499912488124211"],
      [100000, "0.99999749997812485156"],
    ];

    it("matches mpmath in the table and beyond it (asymptotic series) at 1e-14 relative", () => {
      for (const [n, v] of MPMATH) closeRel(c4(n), Number(v), 1e-14, `c4(${n})`);
    });

    it("follows c4(n + 2) = c4(n)·n/√(n² − 1) across the end of the table", () => {
      // From Γ(x + 1) = xΓ(x): c4(n+2)/c4(n) = √((n−1)/(n+1))·(n/2)/((n−1)/2).
      for (const n of [90, 97, 98, 99, 100, 101, 250, 999]) {
        closeRel(c4(n + 2), (c4(n) * n) / Math.sqrt(n * n - 1), 1e-14, `c4(${n + 2}) from c4(${n})`);
      }
    });

    it("increases towards 1", () => {
      let prev = 0;
      for (let n = 2; n <= 300; n++) {
        const v = c4(n);
        assert.ok(v > prev && v < 1, `c4(${n}) = ${v} in (c4(${n - 1}), 1)`);
        prev = v;
      }
    });
  });

  describe("qcc 3.0 tables", () => {
    it("d2 equals spc-vectors constants.qcc_d2_table", () => {
      for (let n = 2; n <= 25; n++) {
        assert.equal(d2(n, "qcc"), CONSTANTS.qcc_d2_table[n - 1], `qcc d2(${n})`);
      }
    });

    it("d3 equals spc-vectors constants.qcc_d3_table_first10 and goes to n = 50", () => {
      for (let n = 2; n <= 10; n++) {
        assert.equal(d3(n, "qcc"), CONSTANTS.qcc_d3_table_first10[n - 1], `qcc d3(${n})`);
      }
      assert.equal(d3(25, "qcc"), 0.7084528, "qcc d3(25)");
      assert.equal(d3(50, "qcc"), 0.6521506, "qcc d3(50)");
    });

    it("are the exact d2 rounded to 3 decimals, and d3 a little above the exact d3", () => {
      // qcc's d3 lies above the exact value by 8e-7 (n = 2) growing to 1.2e-5 (n = 25): the "6th
      // decimal" of spc-vectors constants.qcc_d3_note, reaching the 5th for large n.
      for (let n = 2; n <= 25; n++) {
        assert.equal(d2(n, "qcc"), Math.round(d2(n) * 1000) / 1000, `qcc d2(${n}) = round(exact, 3)`);
        const diff = d3(n, "qcc") - d3(n);
        assert.ok(diff > 0 && diff < 1.5e-5, `qcc d3(${n}) − exact = ${diff}`);
      }
    });

    it("keeps c4 exact and derives the factors from the qcc d2/d3", () => {
      const k = controlChartConstants(5, "qcc");
      assert.equal(k.c4, c4(5), "c4 is the same in both tables");
      close(k.E2, 3 / 2.326, 1e-15, "E2 = 3/2.326");
      close(k.D4, 1 + (3 * 0.8640855) / 2.326, 1e-15, "D4 from qcc d2, d3");
      close(controlChartConstants(2, "qcc").E2, 2.6595744680851063, 1e-15, "E2(2) = 3/1.128");
    });
  });

  describe("ranges", () => {
    it("throws RangeError outside the tables", () => {
      for (const n of [1, 26, 2.5, 0, -3, Number.NaN, Number.POSITIVE_INFINITY]) {
        assert.throws(() => d2(n), RangeError, `d2(${n})`);
        assert.throws(() => d3(n), RangeError, `d3(${n})`);
        assert.throws(() => controlChartConstants(n), RangeError, `controlChartConstants(${n})`);
      }
      assert.throws(() => d2(26, "qcc"), RangeError, "qcc d2(26)");
      assert.throws(() => d3(51, "qcc"), RangeError, "qcc d3(51)");
      assert.equal(typeof d3(40, "qcc"), "number", "qcc d3(40)");
      for (const n of [1, 0, 1.5, 100.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        assert.throws(() => c4(n), RangeError, `c4(${n})`);
      }
    });
  });
});
