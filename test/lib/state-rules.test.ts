/**
 * lib/state rule model: ordered structured conditions (no eval), every operator, three-valued
 * reading of unknown tags, fixed reasons, and the configuration check.
 */
import assert from "node:assert/strict";
import { checkClassifierConfig, DEFAULT_CONFIG, initialState, step } from "../../lib/state/classifier";
import { equals, evaluateRules, holds } from "../../lib/state/rules";
import type { ClassifierConfig, ClassifierState, Condition, Rule } from "../../lib/state/types";
import type { MachineSample, StateChange, TagScalar, TagValue } from "../../lib/types";

const T0 = Date.UTC(2026, 0, 12, 6, 0, 0);
const ASSET = "plant-berlin/packaging/line-1/capper";

function sample(ts: number, values: Record<string, TagScalar | TagValue>): MachineSample {
  const out: Record<string, TagValue> = {};
  for (const [k, v] of Object.entries(values))
    out[k] = typeof v === "object" && v !== null ? v : { value: v, quality: "Good" };
  return { kind: "MachineSample", asset: ASSET, ts, values: out, stale: false };
}

const RULES: Rule[] = [
  { state: "down", when: [{ tag: "Fault", op: "true" }] },
  { state: "setup", when: [{ tag: "Mode", op: "==", value: "setup" }] },
  { state: "run", when: [{ tag: "Speed", op: ">", value: 0 }] },
  { state: "starved", when: [{ tag: "InfeedEmpty", op: "true" }], reason: "no bottles" },
  { state: "blocked", when: [{ tag: "OutfeedFull", op: "true" }] },
  { state: "planned", when: [{ tag: "Break", op: "true" }] },
];

function config(over: Partial<ClassifierConfig> = {}): ClassifierConfig {
  return { ...DEFAULT_CONFIG, model: "simple", stateTag: "", rules: RULES, minDurationMs: 0, ...over };
}

function feed(cfg: ClassifierConfig, samples: Array<[number, Record<string, TagScalar | TagValue>]>) {
  let state: ClassifierState = initialState();
  const changes: StateChange[] = [];
  const warnings: string[] = [];
  for (const [ts, values] of samples) {
    const r = step(cfg, state, { type: "sample", sample: sample(ts, values) }, ts);
    state = r.state;
    changes.push(...r.changes);
    warnings.push(...r.warnings);
  }
  return { state, changes, warnings };
}

const ALL = { Fault: false, Mode: "auto", Speed: 0, InfeedEmpty: false, OutfeedFull: false, Break: false };

describe("lib/state/rules: operators", () => {
  // op, configured value, tag value, holds?
  const table: Array<[Condition["op"], Condition["value"], TagScalar, boolean]> = [
    ["==", 5, 5, true],
    ["==", 5, "5", true],
    ["==", 5, 5.1, false],
    ["==", "auto", "auto", true],
    ["==", "auto", "Auto", false],
    ["==", true, true, true],
    ["==", true, 1, true],
    ["==", true, "true", true],
    ["==", false, 0, true],
    ["==", 1, null, false],
    ["!=", 5, 4, true],
    ["!=", 5, 5, false],
    ["!=", "a", null, true],
    [">", 0, 0.1, true],
    [">", 0, 0, false],
    [">", 0, "12", true],
    [">", 0, true, false],
    [">", 0, null, false],
    [">=", 10, 10, true],
    [">=", 10, 9.99, false],
    ["<", 10, 9.99, true],
    ["<", 10, 10, false],
    ["<=", 10, 10, true],
    ["<=", 10, 10.01, false],
    ["<", 10, "abc", false],
    ["true", undefined, true, true],
    ["true", undefined, 1, true],
    ["true", undefined, "on", true],
    ["true", undefined, false, false],
    ["true", undefined, null, false],
    ["false", undefined, false, true],
    ["false", undefined, 0, true],
    ["false", undefined, "off", true],
    ["false", undefined, true, false],
    ["false", undefined, null, false],
    ["empty", undefined, null, true],
    ["empty", undefined, "  ", true],
    ["empty", undefined, "jam", false],
    ["empty", undefined, 0, false],
    ["notEmpty", undefined, "jam", true],
    ["notEmpty", undefined, "", false],
    ["notEmpty", undefined, 0, true],
  ];
  for (const [op, value, tagValue, expected] of table) {
    it(`${JSON.stringify(tagValue)} ${op} ${value === undefined ? "" : JSON.stringify(value)} is ${expected}`, () => {
      const c: Condition = value === undefined ? { tag: "x", op } : { tag: "x", op, value };
      assert.equal(holds(c, tagValue), expected, `${op}`);
    });
  }

  it("equality compares booleans by truth, numbers numerically, text exactly", () => {
    assert.equal(equals("1.0", 1), true, "numeric text");
    assert.equal(equals("yes", true), true, "boolean text");
    assert.equal(equals("x", true), false, "text that is no boolean");
  });
});

describe("lib/state/rules: ordered rules", () => {
  it("the first rule whose conditions all hold wins, else the default state", () => {
    const cases: Array<[Record<string, TagScalar>, string]> = [
      [{ ...ALL, Speed: 120 }, "run"],
      [{ ...ALL, Speed: 120, Fault: true }, "down"],
      [{ ...ALL, Speed: 120, Mode: "setup" }, "setup"],
      [{ ...ALL, Speed: 0, InfeedEmpty: true, OutfeedFull: true }, "starved"],
      [{ ...ALL, OutfeedFull: true }, "blocked"],
      [{ ...ALL, Break: true }, "planned"],
      [{ ...ALL }, "idle"],
    ];
    for (const [values, expected] of cases) {
      const out = evaluateRules(RULES, "idle", values);
      assert.ok(out.decided, `decided for ${JSON.stringify(values)}`);
      assert.equal(out.decided && out.state, expected, JSON.stringify(values));
    }
  });

  it("all conditions of a rule must hold (AND)", () => {
    const rules: Rule[] = [
      {
        state: "run",
        when: [
          { tag: "Speed", op: ">", value: 0 },
          { tag: "Fault", op: "false" },
        ],
      },
    ];
    assert.deepEqual(evaluateRules(rules, "down", { Speed: 5, Fault: false }), {
      decided: true,
      state: "run",
      rule: 0,
    });
    assert.deepEqual(evaluateRules(rules, "down", { Speed: 5, Fault: true }), {
      decided: true,
      state: "down",
      rule: null,
    });
  });

  it("an unknown tag leaves a rule undecided unless another of its conditions is false", () => {
    assert.deepEqual(evaluateRules(RULES, "idle", { Speed: 5 }), { decided: false, unknownTags: ["Fault"] });
    // Fault known false: rule 1 fails; Mode unknown: undecided at rule 2
    assert.deepEqual(evaluateRules(RULES, "idle", { Fault: false, Speed: 5 }), {
      decided: false,
      unknownTags: ["Mode"],
    });
    // Fault true decides rule 1 whatever the rest
    assert.equal(evaluateRules(RULES, "idle", { Fault: true }).decided, true, "decided by the first rule");
  });
});

describe("lib/state: rule model in the classifier", () => {
  it("samples holding only changed tags are read with the remembered values", () => {
    const { changes, warnings } = feed(config(), [
      [T0, { ...ALL, Speed: 100 }],
      [T0 + 30_000, { Fault: true }],
      [T0 + 90_000, { Fault: false }],
    ]);
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      changes.map((c) => [c.state, c.timeElement, c.previousDurationMs]),
      [
        ["run", "APT", 0],
        ["down", "ADET", 30_000],
        ["run", "APT", 60_000],
      ],
    );
    assert.equal(changes[2]?.stopDurationMs, 60_000, "the stop lasted 60 s");
    assert.equal(changes[2]?.microStop, true, "60 s < 120 s, only ADET");
  });

  it("a tag the rules need that never arrived: warning once, no state", () => {
    const { changes, warnings } = feed(config(), [
      [T0, { Speed: 100 }],
      [T0 + 1000, { Speed: 90 }],
    ]);
    assert.deepEqual(changes, []);
    assert.equal(warnings.length, 1, warnings.join(" | "));
    assert.match(warnings[0] ?? "", /rules cannot be decided: tag "Fault" is missing/);
  });

  it("the default elements of the simple states (STANDARDS.md 1.1)", () => {
    const expected: Record<string, string> = {
      run: "APT",
      setup: "AUST",
      down: "ADET",
      starved: "ADET",
      blocked: "ADET",
      idle: "ADOT",
      planned: "PDOT",
    };
    const { changes } = feed(config(), [
      [T0, { ...ALL, Speed: 1 }],
      [T0 + 1, { ...ALL, Mode: "setup" }],
      [T0 + 2, { ...ALL, Fault: true }],
      [T0 + 3, { ...ALL, InfeedEmpty: true }],
      [T0 + 4, { ...ALL, OutfeedFull: true }],
      [T0 + 5, { ...ALL }],
      [T0 + 6, { ...ALL, Break: true }],
    ]);
    // (the starved rule's reason also re-codes the stop that began with setup: filtered out here)
    assert.deepEqual(
      changes.filter((c) => !c.recode).map((c) => [c.state, c.timeElement]),
      Object.entries(expected),
    );
  });

  it("a rule's fixed reason names the stop; the reason tag wins over it", () => {
    const fixed = feed(config(), [
      [T0, { ...ALL, Speed: 100 }],
      [T0 + 5000, { ...ALL, InfeedEmpty: true }],
    ]);
    assert.deepEqual(fixed.changes[1]?.reason, { code: "no bottles" });
    const tag = feed(config({ reasonTag: "StopReason" }), [
      [T0, { ...ALL, Speed: 100, StopReason: "" }],
      [T0 + 5000, { ...ALL, InfeedEmpty: true, StopReason: "Starved: no bottles at infeed" }],
    ]);
    assert.deepEqual(tag.changes[1]?.reason, { code: "Starved: no bottles at infeed" });
  });

  it("a stop through setup or planned time is never a micro-stop", () => {
    const { changes } = feed(config(), [
      [T0, { ...ALL, Speed: 100 }],
      [T0 + 10_000, { ...ALL, Fault: true }],
      [T0 + 20_000, { ...ALL, Mode: "setup" }],
      [T0 + 30_000, { ...ALL, Speed: 100 }],
      [T0 + 40_000, { ...ALL, Break: true }],
      [T0 + 50_000, { ...ALL, Speed: 100 }],
    ]);
    const back = changes.filter((c) => c.state === "run").slice(1);
    assert.deepEqual(
      back.map((c) => [c.stopDurationMs, c.microStop]),
      [
        [20_000, false],
        [10_000, false],
      ],
    );
    assert.deepEqual(
      changes.map((c) => c.stopStart),
      [undefined, T0 + 10_000, T0 + 10_000, undefined, T0 + 40_000, undefined],
    );
  });
});

describe("lib/state: checkClassifierConfig", () => {
  const good = config();
  it("accepts the defaults of each model", () => {
    assert.deepEqual(checkClassifierConfig(DEFAULT_CONFIG), []);
    assert.deepEqual(checkClassifierConfig(good), []);
    assert.deepEqual(
      checkClassifierConfig({
        ...DEFAULT_CONFIG,
        model: "machinery",
        stateTag: "ItemState",
        modeTag: "Mode",
      }),
      [],
    );
  });

  // a broken config and the field named
  const bad: Array<[string, Partial<ClassifierConfig> | Record<string, unknown>, string]> = [
    ["unknown model", { model: "fsm" }, "model"],
    ["packml without state tag", { model: "packml", stateTag: "" }, "stateTag"],
    ["unknown rule state", { rules: [{ state: "running", when: [] }] }, "rules.0.state"],
    [
      "condition without tag",
      { rules: [{ state: "run", when: [{ tag: "", op: "true" }] }] },
      "rules.0.when.0.tag",
    ],
    ["unknown op", { rules: [{ state: "run", when: [{ tag: "a", op: "=~" }] }] }, "rules.0.when.0.op"],
    [
      "text for a numeric op",
      { rules: [{ state: "run", when: [{ tag: "a", op: ">", value: "0" }] }] },
      "rules.0.when.0.value",
    ],
    [
      "no value for ==",
      { rules: [RULES[0], { state: "run", when: [{ tag: "a", op: "==" }] }] },
      "rules.1.when.0.value",
    ],
    ["when not a list", { rules: [{ state: "run", when: "a > 0" }] }, "rules.0.when"],
    ["default state", { defaultState: "stopped" }, "defaultState"],
    ["override of a state the model lacks", { timeElements: { Execute: "APT" } }, "timeElements.Execute"],
    ["unknown element", { timeElements: { run: "OEE" } }, "timeElements.run"],
    ["negative min duration", { minDurationMs: -1 }, "minDurationMs"],
    ["micro-stop not a number", { microStopMs: Number.NaN }, "microStopMs"],
    ["history of 0", { historySize: 0 }, "historySize"],
  ];
  for (const [what, over, field] of bad) {
    it(`names ${field}: ${what}`, () => {
      const errors = checkClassifierConfig({ ...good, ...over } as ClassifierConfig);
      assert.deepEqual(
        errors.map((e) => e.field),
        [field],
        JSON.stringify(errors),
      );
    });
  }

  it("override keys are checked against the model's states", () => {
    assert.deepEqual(
      checkClassifierConfig({ ...DEFAULT_CONFIG, timeElements: { Held: "ADOT", Idle: "inherit" } }),
      [],
    );
    assert.deepEqual(
      checkClassifierConfig({
        ...DEFAULT_CONFIG,
        model: "machinery",
        timeElements: { "Executing/Setup": "APT", NotAvailable: "NONE" },
      }),
      [],
    );
  });
});
