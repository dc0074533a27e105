/**
 * lib/state models: PackML StateCurrent numbers and names (STANDARDS.md 2.1), OPC 40001-1
 * MachineryItemState x MachineryOperationMode (STANDARDS.md 2.2), and their default ISO 22400-2
 * time elements (STANDARDS.md 1.1), as the classifier reports them.
 */
import assert from "node:assert/strict";
import { DEFAULT_CONFIG, initialState, step } from "../../lib/state/classifier";
import type { ClassifierConfig, ClassifierState } from "../../lib/state/types";
import type { MachineSample, StateChange, TagScalar, TagValue, TimeElement } from "../../lib/types";

const T0 = Date.UTC(2026, 0, 12, 6, 0, 0);
const ASSET = "plant-berlin/packaging/line-1/filler";

function sample(ts: number, values: Record<string, TagScalar | TagValue>): MachineSample {
  const out: Record<string, TagValue> = {};
  for (const [k, v] of Object.entries(values))
    out[k] = typeof v === "object" && v !== null ? v : { value: v, quality: "Good" };
  return { kind: "MachineSample", asset: ASSET, ts, values: out, stale: false };
}

function config(over: Partial<ClassifierConfig> = {}): ClassifierConfig {
  return { ...DEFAULT_CONFIG, minDurationMs: 0, ...over };
}

/** Feed samples (ts, values) in order; returns every change and warning and the final state. */
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

describe("lib/state: PackML model (STANDARDS.md 2.1)", () => {
  // StateCurrent number, state name, default element when it is the first state (inherit -> ADOT).
  const table: Array<[number, string, TimeElement]> = [
    [0, "Undefined", "ADOT"],
    [1, "Clearing", "ADET"],
    [2, "Stopped", "ADET"],
    [3, "Starting", "ADOT"],
    [4, "Idle", "ADOT"],
    [5, "Suspended", "ADET"],
    [6, "Execute", "APT"],
    [7, "Stopping", "ADET"],
    [8, "Aborting", "ADET"],
    [9, "Aborted", "ADET"],
    [10, "Holding", "ADET"],
    [11, "Held", "ADET"],
    [12, "Unholding", "ADET"],
    [13, "Suspending", "ADET"],
    [14, "Unsuspending", "ADET"],
    [15, "Resetting", "ADOT"],
    [16, "Completing", "AUST"],
    [17, "Complete", "AUST"],
  ];
  for (const [code, name, element] of table) {
    it(`StateCurrent ${code} is ${name}, counted as ${element} (first state)`, () => {
      for (const value of [code, name, name.toUpperCase(), String(code)] as TagScalar[]) {
        const { changes, warnings } = feed(config(), [[T0, { StateCurrent: value }]]);
        assert.deepEqual(warnings, [], `no warning for ${JSON.stringify(value)}`);
        assert.equal(changes.length, 1, `one change for ${JSON.stringify(value)}`);
        const c = changes[0] as StateChange;
        assert.equal(c.state, name, `state of ${JSON.stringify(value)}`);
        assert.equal(c.stateCode, code, `stateCode of ${JSON.stringify(value)}`);
        assert.equal(c.timeElement, element, `element of ${JSON.stringify(value)}`);
        assert.equal(c.previousState, null, "first change has no previous state");
        assert.equal(c.previousDurationMs, 0, "first change: previous duration 0");
        assert.equal(c.model, "packml", "model");
        assert.equal(c.asset, ASSET, "asset of the sample");
        assert.equal(c.ts, T0, "dated at the sample");
        if (element === "APT") assert.equal(c.stopStart, undefined, "production has no stop");
        else assert.equal(c.stopStart, T0, "a first non-production state starts a stop at the sample");
      }
    });
  }

  it("Resetting, Idle and Starting inherit the element before: ADET after an abort, AUST after Complete", () => {
    const afterAbort = feed(config(), [
      [T0, { StateCurrent: 9 }],
      [T0 + 1000, { StateCurrent: 1 }],
      [T0 + 2000, { StateCurrent: 2 }],
      [T0 + 3000, { StateCurrent: 15 }],
      [T0 + 4000, { StateCurrent: 4 }],
      [T0 + 5000, { StateCurrent: 3 }],
    ]);
    assert.deepEqual(
      afterAbort.changes.map((c) => [c.state, c.timeElement]),
      [
        ["Aborted", "ADET"],
        ["Clearing", "ADET"],
        ["Stopped", "ADET"],
        ["Resetting", "ADET"],
        ["Idle", "ADET"],
        ["Starting", "ADET"],
      ],
    );
    const afterComplete = feed(config(), [
      [T0, { StateCurrent: 17 }],
      [T0 + 1000, { StateCurrent: 15 }],
      [T0 + 2000, { StateCurrent: 4 }],
      [T0 + 3000, { StateCurrent: 3 }],
    ]);
    assert.deepEqual(
      afterComplete.changes.map((c) => c.timeElement),
      ["AUST", "AUST", "AUST", "AUST"],
    );
  });

  it("an unknown StateCurrent number or text is a warning and changes nothing", () => {
    const { changes, warnings, state } = feed(config(), [
      [T0, { StateCurrent: 6 }],
      [T0 + 1000, { StateCurrent: 42 }],
      [T0 + 2000, { StateCurrent: 6.5 }],
      [T0 + 3000, { StateCurrent: "Running" }],
    ]);
    assert.equal(changes.length, 1, "only the first Execute");
    assert.equal(warnings.length, 3, `three different unknown values: ${warnings.join(" | ")}`);
    assert.match(warnings[0] ?? "", /"StateCurrent" = 42 is not a PackML state/);
    assert.equal(state.current?.state, "Execute", "state unchanged");
  });

  it("per-state overrides replace the default element; inherit works as an override", () => {
    const cfg = config({ timeElements: { Suspended: "ADOT", Execute: "APT", Held: "inherit" } });
    const { changes } = feed(cfg, [
      [T0, { StateCurrent: 6 }],
      [T0 + 1000, { StateCurrent: 5 }],
      [T0 + 2000, { StateCurrent: 11 }],
    ]);
    assert.deepEqual(
      changes.map((c) => [c.state, c.timeElement]),
      [
        ["Execute", "APT"],
        ["Suspended", "ADOT"],
        ["Held", "ADOT"],
      ],
    );
  });
});

describe("lib/state: OPC UA Machinery model (STANDARDS.md 2.2, mapping [OPC-C2])", () => {
  const cfg = config({ model: "machinery", stateTag: "ItemState", modeTag: "OperationMode" });
  // item, mode (numbers per the nodeset), expected state name and element
  const table: Array<[number, number, string, TimeElement]> = [
    [3, 3, "Executing/Processing", "APT"],
    [3, 2, "Executing/Setup", "AUST"],
    [3, 1, "Executing/Maintenance", "PDOT"],
    [3, 0, "Executing/None", "APT"],
    [1, 3, "OutOfService/Processing", "ADET"],
    [1, 0, "OutOfService/None", "ADET"],
    [2, 3, "NotExecuting/Processing", "ADOT"],
    [2, 2, "NotExecuting/Setup", "ADOT"],
    [0, 3, "NotAvailable/Processing", "ADOT"],
    [0, 1, "NotAvailable/Maintenance", "ADOT"],
  ];
  for (const [item, mode, name, element] of table) {
    it(`MachineryItemState ${item} with MachineryOperationMode ${mode} is ${name}, ${element}`, () => {
      const { changes } = feed(cfg, [[T0, { ItemState: item, OperationMode: mode }]]);
      assert.equal(changes[0]?.state, name, "state name");
      assert.equal(changes[0]?.timeElement, element, "element");
      assert.equal(changes[0]?.stateCode, undefined, "no single state number");
    });
  }

  it("reads names as well as numbers, and the item state alone without a mode tag", () => {
    const byName = feed(cfg, [[T0, { ItemState: "Executing", OperationMode: "setup" }]]);
    assert.equal(byName.changes[0]?.state, "Executing/Setup", "names, any case");
    const noMode = feed(config({ model: "machinery", stateTag: "ItemState", modeTag: "" }), [
      [T0, { ItemState: 3 }],
      [T0 + 1000, { ItemState: 1 }],
    ]);
    assert.deepEqual(
      noMode.changes.map((c) => [c.state, c.timeElement]),
      [
        ["Executing", "APT"],
        ["OutOfService", "ADET"],
      ],
    );
  });

  it("a mode change is a state change; an unknown item or mode value is a warning", () => {
    const { changes, warnings } = feed(cfg, [
      [T0, { ItemState: 3, OperationMode: 3 }],
      [T0 + 60_000, { OperationMode: 2 }],
      [T0 + 70_000, { ItemState: 7 }],
      [T0 + 80_000, { ItemState: 3, OperationMode: 9 }],
    ]);
    assert.deepEqual(
      changes.map((c) => [c.state, c.previousDurationMs]),
      [
        ["Executing/Processing", 0],
        ["Executing/Setup", 60_000],
      ],
    );
    assert.equal(warnings.length, 2, warnings.join(" | "));
    assert.match(warnings[0] ?? "", /not a MachineryItemState/);
    assert.match(warnings[1] ?? "", /not a MachineryOperationMode/);
  });
});
