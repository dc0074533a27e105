import assert from "node:assert/strict";
import { assetPath, checkAsset } from "../../lib/asset";
import { sampleFromValues } from "../../lib/sample";
import { validate } from "../../lib/validate";

describe("lib/asset: ISA-95 asset identity", () => {
  const table: Array<{ input: Record<string, unknown>; path?: string; field?: string }> = [
    {
      input: { site: "berlin", area: "packaging", line: "line-1", machine: "filler" },
      path: "berlin/packaging/line-1/filler",
    },
    {
      input: { site: "berlin", area: "packaging", line: "line-1", cell: "c2", machine: "filler" },
      path: "berlin/packaging/line-1/c2/filler",
    },
    {
      input: { site: " berlin ", area: "packaging", line: "line 1", cell: "", machine: "Füller 2" },
      path: "berlin/packaging/line 1/Füller 2",
    },
    { input: { area: "packaging", line: "line-1", machine: "filler" }, field: "site" },
    { input: { site: "berlin", area: "   ", line: "line-1", machine: "filler" }, field: "area" },
    { input: { site: "berlin", area: "a/b", line: "line-1", machine: "filler" }, field: "area" },
    { input: { site: "berlin", area: "a", line: "#", machine: "filler" }, field: "line" },
    { input: { site: "berlin", area: "a", line: "l", machine: "m+1" }, field: "machine" },
    { input: { site: "berlin", area: "a", line: "l", machine: "m\n" + "x" }, field: "machine" },
    { input: { site: "berlin", area: "a", line: "l", machine: 7 }, field: "machine" },
  ];
  for (const row of table) {
    it(`${JSON.stringify(row.input)} -> ${row.path ?? `error on ${row.field}`}`, () => {
      const r = checkAsset(row.input);
      if (row.path) {
        assert.ok(r.ok);
        assert.equal(assetPath(r.value), row.path);
      } else {
        assert.ok(!r.ok);
        assert.equal(r.errors[0]?.field, row.field);
      }
    });
  }

  it("an asset path is accepted by the contract's asset pattern", () => {
    const r = checkAsset({ site: "s", area: "a", line: "l", cell: "c", machine: "m" });
    assert.ok(r.ok);
    const s = sampleFromValues(assetPath(r.value), { speed: 1 }, 0);
    assert.ok(s.ok);
    assert.ok(validate("MachineSample", s.value).ok);
  });
});

describe("lib/sample: MachineSample from plain values", () => {
  it("wraps scalars with quality Good and keeps tag values that carry quality", () => {
    const r = sampleFromValues(
      "s/a/l/m",
      { speed: 12.5, fault: false, text: "", none: null, temp: { value: 40, quality: "Bad" } },
      1000,
    );
    assert.ok(r.ok);
    assert.deepEqual(r.value, {
      kind: "MachineSample",
      asset: "s/a/l/m",
      ts: 1000,
      stale: false,
      values: {
        speed: { value: 12.5, quality: "Good" },
        fault: { value: false, quality: "Good" },
        text: { value: "", quality: "Good" },
        none: { value: null, quality: "Good" },
        temp: { value: 40, quality: "Bad" },
      },
    });
  });

  it("names the tag whose value is not a scalar", () => {
    for (const bad of [Number.NaN, [1], { x: 1 }, undefined]) {
      const r = sampleFromValues("s/a/l/m", { ok: 1, speed: bad }, 0);
      assert.ok(!r.ok);
      assert.equal(r.errors[0]?.field, "speed");
    }
    const r = sampleFromValues("s/a/l/m", [1, 2], 0);
    assert.equal(r.ok, false);
  });
});
