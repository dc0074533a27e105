import assert from "node:assert/strict";
import {
  convertRead,
  convertWrite,
  extractPath,
  parsePayload,
  passesDeadband,
} from "../../lib/connector/convert";
import {
  applyReadings,
  createSampler,
  linkDown,
  linkUp,
  NO_VALUE_YET,
  nextDue,
  type SamplerOptions,
  summary,
  tick,
} from "../../lib/connector/sampler";
import type { Tag, TagType } from "../../lib/connector/tags";
import { validate } from "../../lib/validate";

const T0 = Date.UTC(2026, 10, 23, 6, 0, 0);

function tag(name: string, over: Partial<Tag> = {}): Tag {
  return {
    name,
    address: `ns=1;s=${name}`,
    path: [],
    type: "auto",
    scale: 1,
    offset: 0,
    unit: "",
    staleMs: 0,
    ...over,
  };
}

function options(over: Partial<SamplerOptions> = {}): SamplerOptions {
  return {
    asset: "demo-plant/packaging/line-1/filler",
    tags: [
      tag("Speed", { type: "Double", unit: "m/min" }),
      tag("State", { type: "Int32" }),
      tag("Alarm", { type: "String" }),
    ],
    output: "change",
    intervalMs: 1000,
    staleAfterMs: 0,
    clientDeadband: false,
    ...over,
  };
}

describe("lib/connector/convert", () => {
  const reads: Array<[unknown, TagType, number, number, unknown]> = [
    // raw, type, scale, offset, expected value (or status name)
    [12.5, "Double", 1, 0, 12.5],
    ["12.5", "Double", 1, 0, 12.5],
    [100, "Int16", 0.1, 0, 10],
    [4, "UInt16", 2, -3, 5],
    [1.5, "Int32", 1, 0, "BadOutOfRange"],
    [70000, "Int16", 1, 0, "BadOutOfRange"],
    [-1, "UInt32", 1, 0, "BadOutOfRange"],
    ["fast", "Double", 1, 0, "BadTypeMismatch"],
    [{ a: 1 }, "auto", 1, 0, "BadTypeMismatch"],
    [[1, 2], "auto", 1, 0, "BadTypeMismatch"],
    [Number.NaN, "auto", 1, 0, "BadTypeMismatch"],
    ["on", "Boolean", 1, 0, true],
    [0, "Boolean", 1, 0, false],
    ["maybe", "Boolean", 1, 0, "BadTypeMismatch"],
    [42, "String", 1, 0, "42"],
    ["2026-11-23T06:00:00Z", "DateTime", 1, 0, T0],
    ["2026-11-23T06:00:00", "DateTime", 1, 0, "BadTypeMismatch"],
    [null, "Double", 1, 0, null],
  ];
  for (const [raw, type, scale, offset, expected] of reads) {
    it(`reads ${JSON.stringify(raw)} as ${type} (x${scale} +${offset}) -> ${JSON.stringify(expected)}`, () => {
      const r = convertRead(raw, { type, scale, offset });
      if (typeof expected === "string" && expected.startsWith("Bad"))
        assert.deepEqual(r, { ok: false, status: expected });
      else assert.deepEqual(r, { ok: true, value: expected });
    });
  }

  it("writes invert scale and offset and check the raw type's range", () => {
    assert.deepEqual(convertWrite(10, { type: "Int16", scale: 0.1, offset: 0 }), { ok: true, value: 100 });
    assert.deepEqual(convertWrite(5, { type: "UInt16", scale: 2, offset: -3 }), { ok: true, value: 4 });
    assert.deepEqual(convertWrite("12.5", { type: "Double", scale: 1, offset: 0 }), {
      ok: true,
      value: 12.5,
    });
    assert.deepEqual(convertWrite(true, { type: "Boolean", scale: 1, offset: 0 }), { ok: true, value: true });
    const cases: Array<[unknown, TagType, RegExp]> = [
      [1.25, "Int16", /must give a whole raw value for Int16, got 1\.25/],
      [300, "Byte", /must give a raw value in 0\.\.255 for Byte, got 300/],
      ["fast", "Double", /must be a finite number, got "fast"/],
      [1, "auto", /no declared data type/],
      ["maybe", "Boolean", /must be a Boolean value, got "maybe"/],
    ];
    for (const [value, type, re] of cases) {
      const r = convertWrite(value, { type, scale: 1, offset: 0 });
      assert.ok(!r.ok, `${JSON.stringify(value)} as ${type} must be refused`);
      assert.match(r.message, re);
    }
  });

  it("extracts JSON paths and parses MQTT payload text", () => {
    const doc = { state: "run", counts: { good: 10 }, values: [1, [2, 3]] };
    assert.equal(extractPath(doc, ["counts", "good"]), 10);
    assert.equal(extractPath(doc, ["values", 1, 0]), 2);
    assert.equal(extractPath(doc, ["counts", "bad"]), undefined);
    assert.equal(extractPath(doc, ["values", 5]), undefined);
    assert.equal(extractPath(doc, ["toString"]), undefined, "inherited properties are not paths");
    assert.equal(extractPath(doc, []), doc);
    assert.deepEqual(parsePayload('{"a":1}'), { a: 1 });
    assert.equal(parsePayload(" 12.5 "), 12.5);
    assert.equal(parsePayload("running"), "running");
    assert.equal(parsePayload(""), null);
  });

  it("deadband: absolute difference, or percent of the last value; non-numbers on any change", () => {
    assert.equal(passesDeadband(10, 10.4, { type: "absolute", value: 0.5 }), false);
    assert.equal(passesDeadband(10, 10.6, { type: "absolute", value: 0.5 }), true);
    assert.equal(passesDeadband(200, 203, { type: "percent", value: 2 }), false);
    assert.equal(passesDeadband(200, 205, { type: "percent", value: 2 }), true);
    assert.equal(passesDeadband(10, 10, undefined), false);
    assert.equal(passesDeadband("run", "idle", { type: "absolute", value: 5 }), true);
    assert.equal(passesDeadband(undefined, 1, { type: "absolute", value: 5 }), true);
  });
});

describe("lib/connector/sampler", () => {
  it("change mode: one valid MachineSample per batch, with the changed tags, quality, source time and unit", () => {
    const s = createSampler(options(), T0);
    const out = applyReadings(
      s,
      [
        { tag: 0, raw: 12.5, quality: "Good", qualityCode: 0, sourceTs: T0 - 5 },
        { tag: 1, raw: 6, quality: "Good", qualityCode: 0 },
      ],
      T0 + 10,
    );
    assert.ok(out.sample, "a sample");
    assert.deepEqual(out.sample, {
      kind: "MachineSample",
      asset: "demo-plant/packaging/line-1/filler",
      ts: T0 + 10,
      values: {
        Speed: { value: 12.5, quality: "Good", qualityCode: 0, sourceTs: T0 - 5, unit: "m/min" },
        State: { value: 6, quality: "Good", qualityCode: 0 },
      },
      stale: false,
    });
    assert.ok(validate("MachineSample", out.sample).ok, "the sample satisfies the contract");
    assert.equal(applyReadings(s, [], T0 + 20).sample, undefined, "no readings, no sample");
  });

  it("a value that does not fit its type becomes null with the status name, reported once per streak", () => {
    const s = createSampler(options(), T0);
    const a = applyReadings(s, [{ tag: 1, raw: "six", quality: "Good" }], T0);
    assert.deepEqual(a.sample?.values.State, { value: null, quality: "BadTypeMismatch" });
    assert.deepEqual(a.events, [
      { event: "conversion", tag: "State", status: "BadTypeMismatch", raw: "six" },
    ]);
    assert.equal(applyReadings(s, [{ tag: 1, raw: "seven", quality: "Good" }], T0 + 1).events.length, 0);
    applyReadings(s, [{ tag: 1, raw: 7, quality: "Good" }], T0 + 2);
    assert.equal(applyReadings(s, [{ tag: 1, raw: "eight", quality: "Good" }], T0 + 3).events.length, 1);
  });

  it("client deadband (MQTT): values inside it are not emitted, but still count as data for the watchdog", () => {
    const s = createSampler(
      options({
        clientDeadband: true,
        tags: [tag("Speed", { type: "Double", staleMs: 1000, deadband: { type: "absolute", value: 1 } })],
      }),
      T0,
    );
    assert.ok(applyReadings(s, [{ tag: 0, raw: 10, quality: "Good" }], T0).sample);
    assert.equal(applyReadings(s, [{ tag: 0, raw: 10.5, quality: "Good" }], T0 + 900).sample, undefined);
    assert.equal(tick(s, T0 + 1500).events.length, 0, "the filtered reading at +900 kept the tag fresh");
    assert.ok(applyReadings(s, [{ tag: 0, raw: 11.5, quality: "Good" }], T0 + 1600).sample);
    assert.ok(
      applyReadings(s, [{ tag: 0, raw: 11.5, quality: "Bad" }], T0 + 1700).sample,
      "a quality change is a change",
    );
  });

  it("tag watchdog: silent longer than staleMs -> stale sample and event at once; fresh again on data", () => {
    const s = createSampler(options({ tags: [tag("Speed", { staleMs: 1000 }), tag("Alarm")] }), T0);
    applyReadings(
      s,
      [
        { tag: 0, raw: 1, quality: "Good" },
        { tag: 1, raw: "", quality: "Good" },
      ],
      T0,
    );
    assert.equal(nextDue(s), T0 + 1001);
    assert.equal(tick(s, T0 + 1000).sample, undefined, "exactly at the limit is not yet stale");
    const out = tick(s, T0 + 1001);
    assert.deepEqual(out.events, [{ event: "stale", reason: "watchdog", count: 1, tags: ["Speed"] }]);
    assert.deepEqual(out.sample?.values, { Speed: { value: 1, quality: "Good", stale: true } });
    assert.equal(out.sample?.stale, true);
    assert.equal(tick(s, T0 + 5000).events.length, 0, "reported once");
    assert.equal(nextDue(s), undefined, "nothing left to watch");
    assert.deepEqual(summary(s), { tags: 2, stale: 1, bad: 0, waiting: 0 });
    const back = applyReadings(s, [{ tag: 0, raw: 2, quality: "Good" }], T0 + 6000);
    assert.deepEqual(back.events, [{ event: "fresh", count: 1, tags: ["Speed"] }]);
    assert.deepEqual(back.sample?.values.Speed, { value: 2, quality: "Good" });
    assert.equal(back.sample?.stale, false);
  });

  it("connector watchdog: nothing from any tag for staleAfterMs -> every tag stale, never-seen ones too", () => {
    const s = createSampler(options({ staleAfterMs: 10_000 }), T0);
    applyReadings(s, [{ tag: 0, raw: 3, quality: "Good" }], T0 + 1000);
    assert.equal(tick(s, T0 + 11_000).events.length, 0);
    const out = tick(s, T0 + 11_001);
    assert.equal(out.events[0]?.event, "stale");
    assert.equal(out.sample?.values.Speed?.stale, true);
    assert.deepEqual(out.sample?.values.State, { value: null, quality: NO_VALUE_YET, stale: true });
    assert.ok(validate("MachineSample", out.sample).ok, "a stale sample satisfies the contract");
    applyReadings(s, [{ tag: 2, raw: "E-Stop", quality: "Good" }], T0 + 12_000);
    assert.equal(summary(s).stale, 2, "only the tag that received data is fresh again");
  });

  it("a lost link marks every value stale at once; a link back restarts the connector watchdog", () => {
    const s = createSampler(options({ staleAfterMs: 10_000 }), T0);
    applyReadings(s, [{ tag: 0, raw: 3, quality: "Good" }], T0);
    const down = linkDown(s, "opc.tcp://127.0.0.1:4840: ECONNREFUSED", T0 + 500);
    assert.deepEqual(down.events, [
      {
        event: "stale",
        reason: "disconnected",
        count: 3,
        tags: ["Speed", "State", "Alarm"],
        detail: "opc.tcp://127.0.0.1:4840: ECONNREFUSED",
      },
    ]);
    assert.equal(down.sample?.stale, true);
    assert.equal(linkDown(s, "again", T0 + 600).events.length, 0, "reported once");
    linkUp(s, T0 + 50_000);
    assert.equal(
      tick(s, T0 + 55_000).events.length,
      0,
      "nothing new becomes stale right after the link is back",
    );
  });

  it("snapshot mode: every tag once per interval, without drift, stale flags included", () => {
    const s = createSampler(
      options({ output: "snapshot", tags: [tag("Speed", { staleMs: 1500 }), tag("State")] }),
      T0,
    );
    assert.equal(applyReadings(s, [{ tag: 0, raw: 1, quality: "Good" }], T0 + 100).sample, undefined);
    assert.equal(nextDue(s), T0 + 1000);
    const first = tick(s, T0 + 1003);
    assert.deepEqual(Object.keys(first.sample?.values ?? {}), ["Speed", "State"]);
    assert.equal(first.sample?.values.State?.quality, NO_VALUE_YET);
    assert.equal(nextDue(s), T0 + 1601, "the next due is the watchdog of Speed, then the snapshot at +2000");
    const second = tick(s, T0 + 2000);
    assert.equal(second.sample?.values.Speed?.stale, true);
    assert.equal(second.events[0]?.event, "stale");
    assert.equal(tick(s, T0 + 5500).sample?.ts, T0 + 5500, "missed periods are skipped, not replayed");
    assert.equal(nextDue(s), T0 + 6000);
  });
});
