// lib/spc/input.ts: what a message means to the SPC reducer. Every accepted form, and every
// refusal names the field and the expected form (ARCHITECTURE rule 3).
import assert from "node:assert/strict";
import { spcInputOf } from "../../lib/spc/input";
import type { SpcInput } from "../../lib/spc/types";
import type { SpcChart } from "../../lib/types";
import { formatErrors } from "../../lib/validate";

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const ISO = "2026-11-23T12:59:00+01:00";
const ISO_MS = Date.UTC(2026, 10, 23, 11, 59, 0);

const variables = { chart: "xbar-r" as SpcChart, tag: "Diameter", sampleSize: null };
const pChart = (sampleSize: number | null = null) => ({ chart: "p" as SpcChart, tag: "Rejects", sampleSize });

function ok(payload: unknown, options: Parameters<typeof spcInputOf>[1] = variables): SpcInput | null {
  const r = spcInputOf(payload, options, NOW);
  assert.ok(r.ok, `accepted: ${JSON.stringify(payload)} → ${r.ok ? "" : formatErrors(r.errors)}`);
  return r.ok ? r.input : null;
}

/** Refused naming `field`; the message contains `text` when given. */
function bad(
  payload: unknown,
  field: string,
  text?: string,
  options: Parameters<typeof spcInputOf>[1] = variables,
): void {
  const r = spcInputOf(payload, options, NOW);
  assert.ok(!r.ok, `refused: ${JSON.stringify(payload)}`);
  if (r.ok) return;
  assert.ok(
    r.errors.some((e) => e.field === field),
    `names "${field}": ${JSON.stringify(r.errors)}`,
  );
  if (text !== undefined) {
    const message = formatErrors(r.errors);
    assert.ok(message.includes(text), `"${message}" says "${text}"`);
  }
}

function sample(values: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    kind: "MachineSample",
    asset: "plant/area/line/filler",
    ts: NOW - 5000,
    values,
    stale: false,
    ...extra,
  };
}

describe("lib/spc/input: messages to reducer inputs", () => {
  describe("measured values", () => {
    it("a number, an array, {value}, {values}: values dated now unless ts is given", () => {
      assert.deepEqual(ok(74.01), { type: "values", values: [74.01], ts: NOW });
      assert.deepEqual(ok([1, 2, 3]), { type: "values", values: [1, 2, 3], ts: NOW });
      assert.deepEqual(ok({ value: 5, ts: NOW - 10 }), { type: "values", values: [5], ts: NOW - 10 });
      assert.deepEqual(ok({ value: [5, 6], ts: ISO }), { type: "values", values: [5, 6], ts: ISO_MS });
      assert.deepEqual(ok({ values: [7, 8] }), { type: "values", values: [7, 8], ts: NOW });
    });

    it("the key: options.key (a message property) wins over payload.key; numbers become strings", () => {
      assert.deepEqual(ok({ value: 1, key: "batch-7" }), {
        type: "values",
        values: [1],
        ts: NOW,
        key: "batch-7",
      });
      assert.deepEqual(ok({ value: 1, key: "x" }, { ...variables, key: 42 }), {
        type: "values",
        values: [1],
        ts: NOW,
        key: "42",
      });
      assert.deepEqual(ok(3, { ...variables, key: "lot-1" }), {
        type: "values",
        values: [3],
        ts: NOW,
        key: "lot-1",
      });
      bad({ value: 1, key: { id: 1 } }, "key", "must be the subgroup key");
      bad({ value: 1, key: "" }, "key");
      bad(1, "key", undefined, { ...variables, key: Number.NaN });
    });

    it("refuses NaN, Infinity, strings, empty arrays, bad elements, naming the field", () => {
      bad(Number.NaN, "", "payload must be a finite number, at most 1e100 in magnitude, got NaN");
      bad(Number.POSITIVE_INFINITY, "", "got Infinity");
      bad("74.01", "", "must be a number");
      bad([], "", "non-empty array");
      bad([1, "abc", 3], "[1]", 'must be a finite number, at most 1e100 in magnitude, got "abc"');
      bad([1, 2, Number.NaN], "[2]", "got NaN");
      bad({ value: Number.NaN }, "value", "must be a finite number, at most 1e100 in magnitude, got NaN");
      bad({ value: "3" }, "value", 'got "3"');
      bad({ value: [] }, "value", "empty array");
      bad({ value: [1, null] }, "value[1]", "got null");
      bad({ values: [] }, "values", "empty array");
      // {values} is an array only ({value} may be one number).
      bad({ values: 3 }, "values", "payload.values must be a non-empty array of finite numbers, got 3");
      bad({ value: "3" }, "value", "must be a finite number or a non-empty array of finite numbers");
      bad({ value: 1, unit: "mm" }, "unit", "is not a field");
      bad(null, "", "must be a number");
      bad(true, "", "got true");
      bad({ foo: 1 }, "", "must be a number");
    });

    it("refuses a bad or far-off ts", () => {
      bad({ value: 1, ts: "yesterday" }, "ts", "epoch milliseconds");
      bad({ value: 1, ts: "2026-11-23T12:00:00" }, "ts", "zone offset");
      bad({ value: 1, ts: NOW - 8 * 86_400_000 }, "ts", "within 7 days");
      bad({ value: 1, ts: NOW + 600_000 }, "ts", "5 minutes");
      bad({ value: 1, ts: (NOW - 1000) / 1000 }, "ts", "within 7 days");
    });

    it("refuses a count on a variables chart", () => {
      bad({ count: 3, n: 50 }, "count", "attribute charts");
    });
  });

  describe("MachineSample", () => {
    it("a Good tag: its value, dated by the sample, with the tag's sourceTs", () => {
      const input = ok(
        sample({
          Diameter: { value: 74.02, quality: "Good", sourceTs: NOW - 6000 },
          Speed: { value: 3, quality: "Good" },
        }),
      );
      assert.deepEqual(input, { type: "values", values: [74.02], ts: NOW - 5000, sourceTs: NOW - 6000 });
      const iso = ok(sample({ Diameter: { value: 1, quality: "Good" } }, { ts: ISO }));
      assert.equal(iso?.ts, ISO_MS, "ISO ts converted");
      const keyed = ok(sample({ Diameter: { value: 1, quality: "Good" } }), { ...variables, key: "B1" });
      assert.equal(keyed?.type === "values" ? keyed.key : undefined, "B1", "key from the message property");
    });

    it("nothing to chart (null input, not an error): Bad or Uncertain quality, stale, missing, null", () => {
      const cases: Array<[string, unknown]> = [
        ["Bad quality", sample({ Diameter: { value: 1, quality: "BadNotConnected" } })],
        ["Uncertain quality", sample({ Diameter: { value: 1, quality: "UncertainLastUsableValue" } })],
        ["stale sample", sample({ Diameter: { value: 1, quality: "Good" } }, { stale: true })],
        ["stale tag", sample({ Diameter: { value: 1, quality: "Good", stale: true } })],
        ["missing tag", sample({ Other: { value: 1, quality: "Good" } })],
        ["null value", sample({ Diameter: { value: null, quality: "Good" } })],
      ];
      for (const [what, payload] of cases) assert.equal(ok(payload), null, what);
    });

    it("a Good tag that is not a number is an error naming values.<tag>.value", () => {
      bad(sample({ Diameter: { value: "abc", quality: "Good" } }), "values.Diameter.value", 'got "abc"');
      bad(sample({ Diameter: { value: true, quality: "Good" } }), "values.Diameter.value", "got true");
    });

    it("an invalid MachineSample or another kind is refused", () => {
      bad({ kind: "MachineSample", ts: NOW, values: {}, stale: false }, "asset", "is required");
      bad(sample({ Diameter: { value: 1, quality: "Good" } }, { ts: "soon" }), "ts");
      bad({ kind: "StateChange" }, "kind", '"MachineSample"');
      bad(
        sample({ Diameter: { value: 1, quality: "Good" } }, { ts: NOW - 30 * 86_400_000 }),
        "ts",
        "within 7 days",
      );
    });

    it("on an attribute chart the tag value is the count", () => {
      assert.deepEqual(ok(sample({ Rejects: { value: 3, quality: "Good" } }), pChart(50)), {
        type: "count",
        count: 3,
        size: null,
        ts: NOW - 5000,
      });
      bad(
        sample({ Rejects: { value: 2.5, quality: "Good" } }),
        "values.Rejects.value",
        "whole number",
        pChart(50),
      );
      // A tag carries no n: without a configured sample size it cannot be a p, np or u count.
      for (const chart of ["p", "np", "u"] as const)
        bad(
          sample({ Rejects: { value: 3, quality: "Good" } }),
          "values.Rejects.value",
          `is a count from a MachineSample tag, which gives no sample size: a ${chart} chart takes {count, n}`,
          { chart, tag: "Rejects", sampleSize: null },
        );
      // A c chart counts per inspection unit: the tag is its count.
      assert.deepEqual(
        ok(sample({ Rejects: { value: 3, quality: "Good" } }), {
          chart: "c",
          tag: "Rejects",
          sampleSize: null,
        }),
        { type: "count", count: 3, size: null, ts: NOW - 5000 },
      );
    });
  });

  describe("attribute counts", () => {
    it("{count, n}, {count} with a configured size, a plain number", () => {
      assert.deepEqual(ok({ count: 4, n: 50 }, pChart()), { type: "count", count: 4, size: 50, ts: NOW });
      assert.deepEqual(ok({ count: 4, ts: NOW - 1 }, pChart(50)), {
        type: "count",
        count: 4,
        size: null,
        ts: NOW - 1,
      });
      assert.deepEqual(ok({ count: 4, n: 50 }, pChart(50)), { type: "count", count: 4, size: 50, ts: NOW });
      assert.deepEqual(ok(7, pChart(50)), { type: "count", count: 7, size: null, ts: NOW });
      assert.deepEqual(ok({ count: 3 }, { chart: "c", tag: "", sampleSize: null }), {
        type: "count",
        count: 3,
        size: null,
        ts: NOW,
      });
      assert.deepEqual(ok({ count: 3, n: 9.5 }, { chart: "u", tag: "", sampleSize: null }), {
        type: "count",
        count: 3,
        size: 9.5,
        ts: NOW,
      });
    });

    it("refuses negative, fractional and non-number counts, bad or missing n, a count above n", () => {
      bad(
        { count: -1, n: 50 },
        "count",
        "must be a whole number from 0 to 2^53 − 1 (nonconforming units), got -1",
        pChart(),
      );
      bad({ count: 1.5, n: 50 }, "count", "got 1.5", pChart());
      bad({ count: "3", n: 50 }, "count", 'got "3"', pChart());
      bad({ count: Number.NaN, n: 50 }, "count", "got NaN", pChart());
      bad({ count: 3 }, "n", "is required", pChart());
      bad(3, "n", "is required", pChart());
      bad({ count: 3, n: 0 }, "n", "whole number of units inspected from 1 to 2^53 − 1", pChart());
      bad({ count: 3, n: 9.5 }, "n", "got 9.5", pChart());
      bad({ count: 3, n: -2 }, "n", "from 1e-9 to 2^53 − 1", { chart: "u", tag: "", sampleSize: null });
      bad({ count: 3, n: 40 }, "n", "configured sample size 50", pChart(50));
      bad({ count: 51 }, "count", "must not exceed the sample size 50", pChart(50));
      bad({ count: 6, n: 5 }, "count", "must not exceed", { chart: "np", tag: "", sampleSize: null });
      bad(-3, "", "whole number from 0 to 2^53 − 1", pChart(50));
      bad({ count: 1, n: 50, size: 50 }, "size", "is not a field", pChart());
    });

    it("refuses measured values on an attribute chart", () => {
      bad([1, 2], "", "got an array", pChart(50));
      bad({ value: 0.2 }, "value", "takes a count", pChart(50));
    });
  });

  describe("commands", () => {
    it("every command, with its parameters, dated now unless ts is given", () => {
      for (const c of ["revise", "freeze", "rebaseline", "flush"] as const)
        assert.deepEqual(ok({ command: c }), { type: "command", command: c, ts: NOW }, c);
      assert.deepEqual(ok({ command: "exclude", points: [4, 7], ts: ISO }), {
        type: "command",
        command: "exclude",
        points: [4, 7],
        ts: ISO_MS,
      });
      assert.deepEqual(ok({ command: "limits", mean: 74, sigma: 0.01 }), {
        type: "command",
        command: "limits",
        ts: NOW,
        mean: 74,
        sigma: 0.01,
      });
      assert.deepEqual(ok({ command: "limits", mean: 0.1 }, pChart(50)), {
        type: "command",
        command: "limits",
        ts: NOW,
        mean: 0.1,
      });
    });

    it("refuses unknown commands, bad points, missing mean or sigma, misplaced fields, bad ts", () => {
      bad({ command: "reset" }, "command", "must be one of revise, exclude");
      bad({ command: "exclude" }, "points", "non-empty array");
      bad({ command: "exclude", points: [] }, "points", "non-empty array");
      bad({ command: "exclude", points: [3, "4"] }, "points[1]", 'got "4"');
      bad({ command: "exclude", points: [0] }, "points[0]", "whole number >= 1");
      bad({ command: "exclude", points: [2.5] }, "points[0]", "got 2.5");
      bad({ command: "revise", points: [1] }, "points", "only for the exclude command");
      bad({ command: "limits", sigma: 1 }, "mean", "is required");
      bad({ command: "limits", mean: 1 }, "sigma", "is required");
      bad({ command: "limits", mean: 1, sigma: -1 }, "sigma", "got -1");
      bad({ command: "limits", mean: 0.1, sigma: 1 }, "sigma", "is not used", pChart());
      bad({ command: "freeze", mean: 1 }, "mean", "only for the limits command");
      bad({ command: "flush", ts: "now" }, "ts", "epoch milliseconds");
      bad({ command: "flush", ts: NOW - 10 * 86_400_000 }, "ts", "within 7 days");
      bad({ command: "flush", extra: 1 }, "extra", "is not a field of an SPC command");
    });
  });

  // Review finding 1: a finite but huge number must be refused where it enters, not overflow in the
  // reducer (|x| <= 1e100; counts and n safe integers; a u chart's n >= 1e-9).
  describe("bounds: only numbers the charts can compute with", () => {
    const u = { chart: "u" as SpcChart, tag: "", sampleSize: null };
    const c = { chart: "c" as SpcChart, tag: "", sampleSize: null };

    it("measured values at most 1e100 in magnitude, wherever they come from", () => {
      assert.deepEqual(ok([1e100, -1e100]), { type: "values", values: [1e100, -1e100], ts: NOW });
      const huge = "at most 1e100 in magnitude, got 1e+308";
      bad(1e308, "", huge);
      bad(-1e101, "", "got -1e+101");
      bad([1, 1e308], "[1]", huge);
      bad({ value: 1e308 }, "value", huge);
      bad({ values: [2, -1e308] }, "values[1]", "got -1e+308");
      bad(
        sample({ Diameter: { value: 1e308, quality: "Good" } }),
        "values.Diameter.value",
        "must be a finite number, at most 1e100 in magnitude (the measured Diameter), got 1e+308",
      );
    });

    it("counts and the n of p, np, c are safe integers; a u chart's n is 1e-9 .. 2^53 − 1", () => {
      const max = Number.MAX_SAFE_INTEGER;
      assert.deepEqual(ok({ count: max }, c), { type: "count", count: max, size: null, ts: NOW });
      assert.deepEqual(ok({ count: 1, n: max }, pChart()), { type: "count", count: 1, size: max, ts: NOW });
      assert.deepEqual(ok({ count: 1, n: 1e-9 }, u), { type: "count", count: 1, size: 1e-9, ts: NOW });
      bad({ count: 1e308 }, "count", "from 0 to 2^53 − 1 (nonconformities), got 1e+308", c);
      bad({ count: max + 1 }, "count", "from 0 to 2^53 − 1", c);
      bad({ count: 1, n: 2 ** 60 }, "n", "from 1 to 2^53 − 1", pChart());
      bad({ count: 1, n: 5e-324 }, "n", "from 1e-9 to 2^53 − 1, got 5e-324", u);
      bad({ count: 1, n: 1e300 }, "n", "from 1e-9 to 2^53 − 1", u);
    });

    it("limits: mean and sigma at most 1e100; p̄ in (0, 1), c̄ and ū > 0", () => {
      bad({ command: "limits", mean: 0, sigma: 1e308 }, "sigma", "at most 1e100 in magnitude, got 1e+308");
      bad({ command: "limits", mean: -1e101, sigma: 1 }, "mean", "at most 1e100 in magnitude");
      bad({ command: "limits", mean: 1.5 }, "mean", "between 0 and 1 (exclusive), got 1.5", pChart());
      bad({ command: "limits", mean: 0 }, "mean", "must be a count > 0 (c̄ or ū), got 0", c);
    });

    it("exclude names at most 1000 points (phase I has at most 1000)", () => {
      const points = Array.from({ length: 1001 }, (_, i) => i + 1);
      bad(
        { command: "exclude", points },
        "points",
        "at most 1000 phase-I point numbers (seq) to leave out, got 1001",
      );
      assert.ok(ok({ command: "exclude", points: points.slice(0, 1000) }), "1000 points are accepted");
    });
  });

  // Review finding 7: messages that name the real problem.
  describe("messages", () => {
    it("a c chart's n is 1 or the configured sample size: another n is refused, not ignored", () => {
      const c = (sampleSize: number | null) => ({ chart: "c" as SpcChart, tag: "", sampleSize });
      bad({ count: 3, n: 10 }, "n", "must be 1 or left out: a c chart counts nonconformities", c(null));
      bad({ count: 3, n: 10 }, "n", "u chart takes varying sizes", c(null));
      bad({ count: 3, n: 10 }, "n", "configured sample size 5", c(5));
      assert.deepEqual(ok({ count: 3, n: 1 }, c(null)), { type: "count", count: 3, size: 1, ts: NOW });
      assert.deepEqual(ok({ count: 3, n: 5 }, c(5)), { type: "count", count: 3, size: 5, ts: NOW });
    });

    it("a bad key read from a message property names that property (keyField), else payload.key", () => {
      const fromMsg = { ...variables, key: { id: 1 }, keyField: "msg.batch" };
      bad({ value: 1 }, "msg.batch", "must be the subgroup key", fromMsg);
      bad([1, 2], "msg.batch", "got an object", fromMsg);
      bad(sample({ Diameter: { value: 1, quality: "Good" } }), "msg.batch", undefined, fromMsg);
      bad({ value: 1 }, "key", undefined, { ...variables, key: "" });
      bad({ value: 1, key: "" }, "key", "must be the subgroup key");
    });
  });
});
