import assert from "node:assert/strict";
import { MESSAGE_KINDS } from "../../lib/types";
import { formatErrors, parseTime, validate, validateMessage } from "../../lib/validate";
import { examples } from "../support/messages";

const clone = <T>(v: T): T => structuredClone(v);

describe("lib/validate: the message contract", () => {
  for (const kind of MESSAGE_KINDS) {
    it(`accepts the typed example of ${kind}`, () => {
      const r = validate(kind, clone(examples[kind]));
      assert.equal(r.ok, true, r.ok ? "" : formatErrors(r.errors));
      const auto = validateMessage(clone(examples[kind]));
      assert.equal(auto.ok, true);
    });

    it(`refuses a ${kind} with another kind or an unknown field`, () => {
      const other = kind === "Alarm" ? "MachineSample" : "Alarm";
      const r = validate(other, clone(examples[kind]));
      assert.equal(r.ok, false);
      const extra = { ...clone(examples[kind]), surprise: 1 };
      const e = validate(kind, extra);
      assert.ok(!e.ok);
      assert.deepEqual(e.errors[0], { field: "surprise", message: "is not a field of this message kind" });
    });
  }

  // Each case: a mutation of a valid example and the field the error must name.
  const cases: Array<{
    name: string;
    kind: keyof typeof examples;
    mutate: (m: Record<string, unknown>) => void;
    field: string;
    expect: RegExp;
  }> = [
    {
      name: "missing ts",
      kind: "MachineSample",
      mutate: (m) => delete m.ts,
      field: "ts",
      expect: /is required/,
    },
    {
      name: "ts as free text",
      kind: "MachineSample",
      mutate: (m) => {
        m.ts = "yesterday";
      },
      field: "ts",
      expect: /epoch milliseconds.*ISO 8601.*got "yesterday"/,
    },
    {
      name: "ISO time without zone",
      kind: "StateChange",
      mutate: (m) => {
        m.ts = "2026-11-23T06:00:00";
      },
      field: "ts",
      expect: /zone offset/,
    },
    {
      name: "NaN value of a number field",
      kind: "OeeReport",
      mutate: (m) => {
        m.availability = Number.NaN;
      },
      field: "availability",
      expect: /finite number or null, got NaN/,
    },
    {
      name: "Infinity",
      kind: "SpcResult",
      mutate: (m) => {
        m.value = Number.POSITIVE_INFINITY;
      },
      field: "value",
      expect: /finite number, got Infinity/,
    },
    {
      name: "ratio above 1",
      kind: "OeeReport",
      mutate: (m) => {
        m.quality = 1.2;
      },
      field: "quality",
      expect: /<= 1/,
    },
    {
      name: "negative time element",
      kind: "OeeReport",
      mutate: (m) => {
        (m.times as Record<string, number>).adetMs = -1;
      },
      field: "times.adetMs",
      expect: />= 0/,
    },
    {
      name: "tag value of object type",
      kind: "MachineSample",
      mutate: (m) => {
        (m.values as Record<string, { value: unknown }>).GoodCount!.value = { a: 1 };
      },
      field: "values.GoodCount.value",
      expect: /finite number or a boolean or a string or null, got an object/,
    },
    {
      name: "tag without quality",
      kind: "MachineSample",
      mutate: (m) => {
        delete (m.values as Record<string, { quality?: string }>).GoodCount!.quality;
      },
      field: "values.GoodCount.quality",
      expect: /is required/,
    },
    {
      name: "unknown state model",
      kind: "StateChange",
      mutate: (m) => {
        m.model = "isa88";
      },
      field: "model",
      expect: /must be one of "packml", "simple", "machinery"/,
    },
    {
      name: "asset path with wildcard",
      kind: "Alarm",
      mutate: (m) => {
        m.asset = "plant/+/line";
      },
      field: "asset",
      expect: /asset path site\/area\/line\[\/cell\]\/machine/,
    },
    {
      name: "SPC point with fractional seq",
      kind: "SpcResult",
      mutate: (m) => {
        m.seq = 1.5;
      },
      field: "seq",
      expect: /an integer/,
    },
    {
      name: "negative count",
      kind: "Confirmation",
      mutate: (m) => {
        m.scrap = -3;
      },
      field: "scrap",
      expect: />= 0/,
    },
    {
      name: "order state not in ISA-95",
      kind: "ProductionOrder",
      mutate: (m) => {
        m.state = "Done";
      },
      field: "state",
      expect: /must be one of/,
    },
    {
      name: "RUL confidence of 1",
      kind: "HealthReport",
      mutate: (m) => {
        (m.remainingLife as Record<string, unknown>).confidence = 1;
      },
      field: "remainingLife.confidence",
      expect: /< 1/,
    },
  ];
  for (const c of cases) {
    it(`names the field for ${c.name}`, () => {
      const m = clone(examples[c.kind]) as unknown as Record<string, unknown>;
      c.mutate(m);
      const r = validate(c.kind, m);
      assert.ok(!r.ok, "must be refused");
      assert.equal(r.errors[0]?.field, c.field);
      assert.match(formatErrors(r.errors), new RegExp(`^payload\\.${c.field.replace(/\./g, "\\.")} `));
      assert.match(r.errors[0]?.message ?? "", c.expect);
    });
  }

  it("refuses what is not a suite message", () => {
    for (const v of [null, 42, "text", [1, 2], {}, { kind: "Nope" }]) {
      const r = validateMessage(v);
      assert.equal(r.ok, false, JSON.stringify(v));
    }
    const r = validateMessage({ kind: "Nope" });
    assert.ok(!r.ok);
    assert.equal(r.errors[0]?.field, "kind");
  });

  it("converts ISO 8601 times with an offset to epoch ms, nested ones too", () => {
    const m = clone(examples.OeeReport) as unknown as Record<string, unknown>;
    m.ts = "2026-11-23T14:00:00+01:00";
    (m.window as Record<string, unknown>).start = "2026-11-23T05:00:00Z";
    const r = validate("OeeReport", m);
    assert.ok(r.ok);
    assert.equal(r.value.ts, Date.UTC(2026, 10, 23, 13, 0, 0));
    assert.equal(r.value.window.start, Date.UTC(2026, 10, 23, 5, 0, 0));
  });

  it("leaves a refused input exactly as it came (no partial conversion)", () => {
    const m = clone(examples.StateChange) as unknown as Record<string, unknown>;
    m.ts = "2026-11-23T14:00:00.250Z";
    m.previousDurationMs = -5;
    const before = clone(m);
    assert.equal(validate("StateChange", m).ok, false);
    assert.deepEqual(m, before);
  });

  it("parseTime: epoch ms, ISO with Z or offset, nothing else", () => {
    assert.equal(parseTime(1_700_000_000_000), 1_700_000_000_000);
    assert.equal(parseTime("2026-03-29T01:30:00+01:00"), Date.UTC(2026, 2, 29, 0, 30));
    assert.equal(parseTime("2026-03-29T01:30:00.5Z"), Date.UTC(2026, 2, 29, 1, 30, 0, 500));
    assert.equal(parseTime("2026-03-29T01:30:00+0200"), Date.UTC(2026, 2, 28, 23, 30));
    for (const bad of [
      "2026-03-29",
      "2026-03-29T01:30:00",
      "tomorrow",
      Number.NaN,
      Number.POSITIVE_INFINITY,
      null,
      {},
    ]) {
      assert.equal(parseTime(bad), undefined, String(bad));
    }
  });
});
