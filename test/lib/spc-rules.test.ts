/**
 * lib/spc/rules: Western Electric and Nelson run rules, one point at a time (STANDARDS.md 3.3, qcc
 * R/rules.R semantics). Every rule fires on a hand-made sequence exactly where the arithmetic says
 * and not on its near miss; adjusted parameters; per-point sigma; the qcc vectors of
 * spc-vectors.json; a state round trip through JSON; a port of qcc's batch code as a reference on
 * a long sequence; the configuration check.
 *
 * Tolerance: exact throughout. Rule flags are discrete, the hand-made values sit clearly on one side
 * of every boundary except where a boundary is tested on purpose (values exactly representable:
 * 1, 2, 1.5, multiples of 0.25 with cl 0 and sigma 1), and the vectors' limits are their own values.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  checkPoint,
  checkRules,
  compileRules,
  initialRuleState,
  NO_VIOLATIONS,
  RULE_PRESETS,
  RULES,
  type RuleState,
  ruleStateMatches,
  ruleText,
} from "../../lib/spc/rules";
import { RULE_IDS, type RuleId, type RulePoint, type RuleSetting } from "../../lib/spc/types";
import type { SpcViolation } from "../../lib/types";

interface Flag {
  seq: number;
  rule: string;
  points: number[];
}

/** A point of the standard test chart: cl 0, sigma 1, limits ±3. */
function std(seq: number, value: number, over: Partial<RulePoint> = {}): RulePoint {
  return { seq, value, cl: 0, sigma: 1, ucl: 3, lcl: -3, ...over };
}

/** Feed points (seq = 1, 2, ... unless given) and collect every violation. */
function feedPoints(settings: RuleSetting[], points: RulePoint[]): Flag[] {
  assert.deepEqual(checkRules(settings), [], "the settings are valid");
  const rules = compileRules(settings);
  const state = initialRuleState(rules);
  const out: Flag[] = [];
  for (const p of points) for (const v of checkPoint(rules, state, p)) out.push({ seq: p.seq, ...v2flag(v) });
  return out;
}

function v2flag(v: SpcViolation): { rule: string; points: number[] } {
  return { rule: v.rule, points: v.points };
}

function feed(settings: RuleSetting[], values: number[]): Flag[] {
  return feedPoints(
    settings,
    values.map((v, i) => std(i + 1, v)),
  );
}

const only = (id: RuleId, over: Partial<RuleSetting> = {}): RuleSetting[] => [{ id, enabled: true, ...over }];
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const rep = (v: number, n: number): number[] => new Array<number>(n).fill(v);

describe("spc run rules", () => {
  describe("definitions", () => {
    it("has the defaults of STANDARDS.md 3.3 for every rule", () => {
      const expect: Record<RuleId, [string, number?, number?, number?]> = {
        "we-1": ["beyond-limits"],
        "we-2": ["k-of-m-beyond", 3, 2, 2],
        "we-3": ["k-of-m-beyond", 5, 4, 1],
        "we-4": ["run-same-side", 8],
        "nelson-1": ["beyond-limits"],
        "nelson-2": ["run-same-side", 9],
        "nelson-3": ["trend", 6],
        "nelson-4": ["alternating", 14],
        "nelson-5": ["k-of-m-beyond", 3, 2, 2],
        "nelson-6": ["k-of-m-beyond", 5, 4, 1],
        "nelson-7": ["run-within", 15, undefined, 1],
        "nelson-8": ["run-outside", 8, undefined, 1],
        "dispersion-1": ["beyond-limits"],
      };
      for (const id of RULE_IDS) {
        const [test, length, count, sigmas] = expect[id];
        const def = RULES[id];
        assert.equal(def.test, test, `${id} test`);
        assert.equal(def.length, length, `${id} length`);
        assert.equal(def.count, count, `${id} count`);
        assert.equal(def.sigmas, sigmas, `${id} sigmas`);
        assert.equal(def.limitRule, test === "beyond-limits", `${id} limitRule`);
        assert.ok(def.source.length > 5, `${id} has a source`);
      }
    });

    it("says each rule in one line with its parameters", () => {
      assert.equal(ruleText("we-2"), "2 of 3 points beyond 2σ on one side");
      assert.equal(ruleText("nelson-6"), "4 of 5 points beyond 1σ on one side");
      assert.equal(ruleText("nelson-2"), "9 points in a row on one side of the centre line");
      assert.equal(ruleText("we-4"), "8 points in a row on one side of the centre line");
      assert.equal(ruleText("nelson-3"), "6 points in a row all increasing or all decreasing");
      assert.equal(ruleText("nelson-4"), "14 points in a row alternating up and down");
      assert.equal(ruleText("nelson-7"), "15 points in a row within 1σ of the centre line");
      assert.equal(ruleText("nelson-8"), "8 points in a row beyond 1σ of the centre line, on both sides");
      assert.equal(ruleText("we-1"), "1 point beyond the control limits");
      assert.match(ruleText("dispersion-1"), /dispersion chart/, "dispersion-1 text");
      assert.equal(
        ruleText("we-2", { id: "we-2", enabled: true, count: 3, length: 4, sigmas: 1.5 }),
        "3 of 4 points beyond 1.5σ on one side",
      );
      assert.equal(
        ruleText("nelson-2", { id: "nelson-2", enabled: true, length: 7 }),
        "7 points in a row on one side of the centre line",
      );
    });

    it("has three presets with every id, dispersion-1 on in each", () => {
      const on = (p: RuleSetting[]): string[] => p.filter((s) => s.enabled).map((s) => s.id);
      for (const [name, p] of Object.entries(RULE_PRESETS)) {
        assert.deepEqual(
          p.map((s) => s.id),
          [...RULE_IDS],
          `${name} lists every id in order`,
        );
        assert.deepEqual(checkRules(p), [], `${name} is valid`);
      }
      assert.deepEqual(
        on(RULE_PRESETS["western-electric"]),
        ["we-1", "we-2", "we-3", "we-4", "dispersion-1"],
        "WE",
      );
      assert.deepEqual(
        on(RULE_PRESETS.nelson),
        [...range(1, 8).map((i) => `nelson-${i}`), "dispersion-1"],
        "Nelson",
      );
      assert.deepEqual(on(RULE_PRESETS["limits-only"]), ["we-1", "dispersion-1"], "limits only");
    });

    it("compiles: defaults filled, disabled dropped, RULE_IDS order, texts made", () => {
      const c = compileRules([
        { id: "nelson-8", enabled: true, sigmas: 1.5 },
        { id: "we-4", enabled: false },
        { id: "we-2", enabled: true, count: 3, length: 4 },
        { id: "nelson-3", enabled: true },
      ]);
      assert.deepEqual(
        c.rules.map((r) => [r.id, r.length, r.count, r.sigmas, r.text]),
        [
          ["we-2", 4, 3, 2, "3 of 4 points beyond 2σ on one side"],
          ["nelson-3", 6, 0, 0, "6 points in a row all increasing or all decreasing"],
          ["nelson-8", 8, 0, 1.5, "8 points in a row beyond 1.5σ of the centre line, on both sides"],
        ],
        "compiled rules",
      );
      assert.equal(c.size, 8, "ring holds the longest run");
      const s = initialRuleState(c);
      assert.ok(ruleStateMatches(c, s), "a fresh state matches");
      assert.equal(ruleStateMatches(compileRules(RULE_PRESETS.nelson), s), false, "other rules: no match");
    });
  });

  describe("each rule: fires where expected, not on the near miss", () => {
    for (const id of ["we-1", "nelson-1"] as const) {
      it(`${id}: a point strictly beyond the control limits`, () => {
        // 3 and −3 are on the limits (not beyond); 3.01 and −3.5 are beyond.
        const flags = feed(only(id), [0, 3, 3.01, -3, -3.5, 2.9]);
        assert.deepEqual(
          flags,
          [
            { seq: 3, rule: id, points: [3] },
            { seq: 5, rule: id, points: [5] },
          ],
          "flags",
        );
      });
    }

    it("we-1: uses each point's own limits, null limits never fire, a floored LCL of 0 is not crossed by 0", () => {
      const flags = feedPoints(only("we-1"), [
        std(1, 5, { ucl: null }),
        std(2, -5, { lcl: null }),
        std(3, 0, { lcl: 0 }),
        std(4, -0.001, { lcl: 0 }),
        std(5, 2.5, { ucl: 2.4 }),
      ]);
      assert.deepEqual(
        flags.map((f) => f.seq),
        [4, 5],
        "flags",
      );
    });

    it("dispersion-1: the companion chart's point beyond its limits", () => {
      const d = (value: number) => ({ value, ucl: 2, lcl: 0.5 });
      const flags = feedPoints(only("dispersion-1"), [
        std(1, 0, { dispersion: d(1) }),
        std(2, 0, { dispersion: d(2) }),
        std(3, 0, { dispersion: d(2.5) }),
        std(4, 0, { dispersion: d(0.5) }),
        std(5, 0, { dispersion: d(0.4) }),
        std(6, 9, { dispersion: null }),
        std(7, 9),
        std(8, 0, { dispersion: { value: 7, ucl: null, lcl: 0 } }),
      ]);
      assert.deepEqual(
        flags,
        [
          { seq: 3, rule: "dispersion-1", points: [3] },
          { seq: 5, rule: "dispersion-1", points: [5] },
        ],
        "flags (the main chart beyond its limits is not dispersion-1)",
      );
    });

    // 2 of 3 beyond 2σ, same side, the flagged point itself beyond (qcc WER2).
    const TWO_OF_THREE = [0, 2.5, 0, 2.1, 0, 0, -2.5, 2.5, -2.5, 0, 2, 2.5, 2.5, 2.5, 0, 2.5];
    const TWO_OF_THREE_FLAGS = [
      [4, [2, 4]], // 2.5, 0, 2.1
      [9, [7, 9]], // −2.5, 2.5, −2.5 (at 8: one above, one below: opposite sides, no flag)
      [13, [12, 13]], // 2, 2.5, 2.5 (2 is exactly 2σ, not beyond: no flag at 12)
      [14, [12, 13, 14]], // 2.5, 2.5, 2.5
      [16, [14, 16]], // 2.5, 0, 2.5 (at 15 the point itself is not beyond: no flag)
    ] as const;
    for (const id of ["we-2", "nelson-5"] as const) {
      it(`${id}: 2 of 3 beyond 2σ on one side`, () => {
        assert.deepEqual(
          feed(only(id), TWO_OF_THREE),
          TWO_OF_THREE_FLAGS.map(([seq, points]) => ({ seq, rule: id, points: [...points] })),
          "flags",
        );
      });
    }

    it("we-2: checked only once a full window of 3 points has been seen (qcc embed)", () => {
      assert.deepEqual(feed(only("we-2"), [2.5, 2.5, 0]), [], "2 points beyond, then one not: no flag");
      assert.deepEqual(
        feed(only("we-2"), [0, 2.5, 2.5]),
        [{ seq: 3, rule: "we-2", points: [2, 3] }],
        "at the third point",
      );
    });

    // 4 of 5 beyond 1σ, same side.
    const FOUR_OF_FIVE = [
      1.5, 1.5, 0, 1.5, 1.5, 0.5, 1.5, 1, 1.5, -1.5, 1.5, 1.5, 1.5, -1.2, -1.2, -1.2, -1.2,
    ];
    const FOUR_OF_FIVE_FLAGS = [
      [5, [1, 2, 4, 5]],
      // 7: window 3..7 has 3 above; 9: window 5..9 has 3 above (1 is exactly 1σ); 11, 12: 3 above.
      [13, [9, 11, 12, 13]],
      // 14..16: fewer than 4 below.
      [17, [14, 15, 16, 17]],
    ] as const;
    for (const id of ["we-3", "nelson-6"] as const) {
      it(`${id}: 4 of 5 beyond 1σ on one side`, () => {
        assert.deepEqual(
          feed(only(id), FOUR_OF_FIVE),
          FOUR_OF_FIVE_FLAGS.map(([seq, points]) => ({ seq, rule: id, points: [...points] })),
          "flags",
        );
      });
    }

    // 1-5 above, 6 on the centre line, 7-14 above (8), 15-25 below (11), 26 above.
    const SIDES = [...rep(0.5, 5), 0, ...rep(0.5, 8), ...rep(-0.5, 11), 0.7];

    it("we-4: 8 in a row on one side; a point on the centre line breaks the run; every further point flags", () => {
      assert.deepEqual(
        feed(only("we-4"), SIDES),
        [
          { seq: 14, rule: "we-4", points: range(7, 14) },
          ...range(22, 25).map((seq) => ({ seq, rule: "we-4", points: range(seq - 7, seq) })),
        ],
        "flags",
      );
    });

    it("nelson-2: 9 in a row on one side (8 is a near miss); a longer run reports its last 9 points", () => {
      assert.deepEqual(
        feed(only("nelson-2"), SIDES),
        range(23, 25).map((seq) => ({ seq, rule: "nelson-2", points: range(seq - 8, seq) })),
        "flags",
      );
    });

    it("nelson-3: 6 points in a row increasing or decreasing; 5 points and a tie do not", () => {
      // 1..5 increase (5 points), 6 ties 5, 6..12 increase (7 points), 12..17 decrease (6 points).
      const values = [0, 0.1, 0.2, 0.3, 0.4, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 0.5, 0.4, 0.3, 0.2, 0.1, 0.1];
      assert.deepEqual(
        feed(only("nelson-3"), values),
        [
          { seq: 11, rule: "nelson-3", points: range(6, 11) },
          { seq: 12, rule: "nelson-3", points: range(7, 12) },
          { seq: 17, rule: "nelson-3", points: range(12, 17) },
        ],
        "flags",
      );
    });

    it("nelson-4: 14 points alternating up and down; 13 do not; a zero difference breaks it", () => {
      // 1..13 alternate (13 points), 14 repeats 13 (zero difference), 14..28 alternate (15 points),
      // 29 goes down again after a fall.
      const values = [
        ...range(1, 13).map((i) => (i % 2 === 1 ? 0 : 1)),
        0,
        ...range(15, 28).map((i) => (i % 2 === 1 ? 1 : 0)),
        -1,
      ];
      assert.equal(values[12], 0, "seq 13");
      assert.equal(values[13], 0, "seq 14 repeats it");
      assert.equal(values[27], 0, "seq 28");
      assert.deepEqual(
        feed(only("nelson-4"), values),
        [
          { seq: 27, rule: "nelson-4", points: range(14, 27) },
          { seq: 28, rule: "nelson-4", points: range(15, 28) },
        ],
        "flags",
      );
    });

    it("nelson-7: 15 in a row within 1σ, inclusive; 14 do not", () => {
      const within = (n: number) => range(1, n).map((i) => [0.2, -1, 1, 0, -0.3][i % 5]!);
      // 1..14 within, 15 at 1.01, 16..31 within (16 points), 32 at −1.5.
      const values = [...within(14), 1.01, ...within(16), -1.5];
      assert.deepEqual(
        feed(only("nelson-7"), values),
        [
          { seq: 30, rule: "nelson-7", points: range(16, 30) },
          { seq: 31, rule: "nelson-7", points: range(17, 31) },
        ],
        "flags",
      );
    });

    it("nelson-8: 8 in a row beyond 1σ with points on both sides among them; all on one side does not", () => {
      // 1..8 at +1.5 (one side), 9 at −1.5, 10 at +1.5, 11 exactly 1σ (breaks), 12..18 seven points
      // alternating ±2, 19 within, 20..26 at −1.2, 27 at +1.2, 28..35 at −1.2.
      const values = [
        ...rep(1.5, 8),
        -1.5,
        1.5,
        1,
        ...range(12, 18).map((i) => (i % 2 ? 2 : -2)),
        0.5,
        ...rep(-1.2, 7),
        1.2,
        ...rep(-1.2, 8),
      ];
      assert.equal(values.length, 35, "35 points");
      assert.deepEqual(
        feed(only("nelson-8"), values),
        [9, 10, ...range(27, 34)].map((seq) => ({ seq, rule: "nelson-8", points: range(seq - 7, seq) })),
        "flags (at 35 the last 8 are all below)",
      );
    });
  });

  describe("adjusted parameters", () => {
    it("nelson-2 with length 7", () => {
      assert.deepEqual(
        feed(only("nelson-2", { length: 7 }), [...rep(0.5, 6), -0.5, 0, ...rep(-0.5, 8)]),
        range(15, 16).map((seq) => ({ seq, rule: "nelson-2", points: range(seq - 6, seq) })),
        "6 above do not fire; 8 below fire at their 7th and 8th",
      );
    });

    it("we-2 as 3 of 4 beyond 1.5σ", () => {
      // 1.5 is exactly on the zone (not beyond); no point is beyond the default 2σ.
      const values = [1.6, 1.5, 1.6, 0, 1.6, 1.6, 1.9, -1.6, -1.6, -1.6];
      const settings = only("we-2", { count: 3, length: 4, sigmas: 1.5 });
      assert.deepEqual(
        feed(settings, values),
        [
          // 4: the point is not beyond; 5: window 2..5 has 2 beyond (1.5 is not)
          { seq: 6, rule: "we-2", points: [3, 5, 6] },
          { seq: 7, rule: "we-2", points: [5, 6, 7] },
          // 8, 9: 1 and 2 below; 10: window 7..10 has 3 below
          { seq: 10, rule: "we-2", points: [8, 9, 10] },
        ],
        "flags",
      );
    });

    it("we-2 as 3 of 4: three below in a window of four", () => {
      const settings = only("we-2", { count: 3, length: 4, sigmas: 1.5 });
      assert.deepEqual(
        feed(settings, [0, -1.6, 1.6, -1.6, -1.6]),
        [{ seq: 5, rule: "we-2", points: [2, 4, 5] }],
        "flags",
      );
      assert.deepEqual(feed(settings, [0, -1.6, 1.6, -1.6, -1.5]), [], "the last point exactly at 1.5σ");
    });

    it("nelson-7 within 0.5σ", () => {
      const within = (n: number) => range(1, n).map((i) => [0.5, -0.5, 0, 0.25][i % 4]!);
      const values = [...within(14), 0.6, ...within(15)];
      assert.deepEqual(
        feed(only("nelson-7", { sigmas: 0.5 }), values),
        [{ seq: 30, rule: "nelson-7", points: range(16, 30) }],
        "0.6 (within 1σ) breaks the run of 0.5σ",
      );
    });

    it("nelson-3 with length 4, nelson-4 with length 5, nelson-8 with length 4 beyond 2σ", () => {
      assert.deepEqual(
        feed(only("nelson-3", { length: 4 }), [0, 1, 2, 2, 3, 4, 5]).map((f) => [f.seq, f.points]),
        [[7, [4, 5, 6, 7]]],
        "trend of 4",
      );
      assert.deepEqual(
        feed(only("nelson-4", { length: 5 }), [0, 1, 0, 1, 1, 0, 1, 0, 1]).map((f) => [f.seq, f.points]),
        [[9, [5, 6, 7, 8, 9]]],
        "alternating 5",
      );
      assert.deepEqual(
        feed(only("nelson-8", { length: 4, sigmas: 2 }), [2.5, -2.5, 2.5, 2, 2.5, -2.5, 2.5, -2.5]).map(
          (f) => [f.seq, f.points],
        ),
        [[8, [5, 6, 7, 8]]],
        "outside 2σ, 4 in a row (2 is not beyond)",
      );
    });
  });

  describe("per-point sigma and degenerate points", () => {
    it("zones follow each point's sigma (p chart), not the limits; a floored LCL", () => {
      // cl 0.1; the 2σ zone of each point: cl ± 2·sigma. Limits cl ± 3·sigma, LCL floored at 0.
      const p = (seq: number, value: number, sigma: number): RulePoint => ({
        seq,
        value,
        cl: 0.1,
        sigma,
        ucl: 0.1 + 3 * sigma,
        lcl: Math.max(0, 0.1 - 3 * sigma),
      });
      const flags = feedPoints(
        [
          { id: "nelson-1", enabled: true },
          { id: "nelson-5", enabled: true },
        ],
        [
          p(1, 0.2, 0.04), // zone 0.18: beyond
          p(2, 0.2, 0.06), // zone 0.22: not beyond
          p(3, 0.22, 0.05), // zone 0.2: beyond → 2 of 3
          p(4, 0.25, 0.08), // zone 0.26: not beyond (with sigma 0.04 it would be)
          p(5, 0, 0.04), // below the 2σ zone (0.02); LCL floored at 0, 0 is not below it
          p(6, 0.02, 0.03), // zone 0.04: below → 2 of 3 below; LCL 0.01, not below it
          p(7, 0.5, 0.1), // UCL 0.4: beyond the limits; zone 0.3: beyond, window 5..7 one above
        ],
      );
      assert.deepEqual(
        flags,
        [
          { seq: 3, rule: "nelson-5", points: [1, 3] },
          { seq: 6, rule: "nelson-5", points: [5, 6] },
          { seq: 7, rule: "nelson-1", points: [7] },
        ],
        "flags",
      );
    });

    it("a point with sigma 0 (p̄ = 0) is checked against its limits only and breaks every run", () => {
      const settings: RuleSetting[] = [
        { id: "we-1", enabled: true },
        { id: "we-4", enabled: true },
        { id: "nelson-3", enabled: true, length: 3 },
        { id: "nelson-7", enabled: true, length: 3 },
      ];
      const pts = [
        ...range(1, 7).map((s) => std(s, 0.1 * s)), // 7 above, increasing, within
        std(8, 0.1, { cl: 0, sigma: 0, ucl: 0, lcl: 0 }), // degenerate, beyond UCL 0
        std(9, 0.9),
        std(10, Number.NaN), // not a number: breaks too
        std(11, 0.95),
        std(12, 0.96),
      ];
      assert.deepEqual(
        feedPoints(settings, pts).map((f) => [f.seq, f.rule]),
        [
          [3, "nelson-3"],
          [3, "nelson-7"],
          [4, "nelson-3"],
          [4, "nelson-7"],
          [5, "nelson-3"],
          [5, "nelson-7"],
          [6, "nelson-3"],
          [6, "nelson-7"],
          [7, "nelson-3"],
          [7, "nelson-7"],
          [8, "we-1"],
        ],
        "after the degenerate point no run carries on (9, 11, 12 would continue the runs otherwise)",
      );
    });

    it("returns the shared frozen empty array when nothing fires", () => {
      const rules = compileRules(RULE_PRESETS.nelson);
      const state = initialRuleState(rules);
      const a = checkPoint(rules, state, std(1, 0.1));
      const b = checkPoint(rules, state, std(2, 0.2));
      assert.equal(a, NO_VIOLATIONS, "shared");
      assert.equal(b, NO_VIOLATIONS, "shared");
      assert.ok(Object.isFrozen(a), "frozen");
      assert.equal(a.length, 0, "empty");
    });

    it("reports violations in RULE_IDS order", () => {
      const settings = RULE_IDS.map((id) => ({ id, enabled: true }));
      const flags = feed(settings, [0, 2.5, 3.5]);
      assert.deepEqual(
        flags.map((f) => f.rule),
        ["we-1", "we-2", "nelson-1", "nelson-5"],
        "order (at 3: beyond the limits and 2 of 3 beyond 2σ)",
      );
    });
  });

  describe("qcc vectors (spc-vectors.json), exact flags", () => {
    const file = path.resolve(__dirname, "../../../shared/reference/spc-vectors.json");
    interface Vector {
      id: string;
      expected: Record<string, unknown>;
    }
    const doc = JSON.parse(fs.readFileSync(file, "utf8")) as {
      vectors: Vector[];
      datasets: { viscosity: { viscosity: number[] } };
    };
    const vector = (id: string): Record<string, unknown> => {
      const v = doc.vectors.find((x) => x.id === id);
      if (!v) throw new Error(`no vector ${id}`);
      return v.expected;
    };

    /** Lowest-numbered rule per point (qcc's violation vector), null where none. */
    function lowest(settings: RuleSetting[], points: RulePoint[]): Array<number | null> {
      const rules = compileRules(settings);
      const state = initialRuleState(rules);
      return points.map((p) => {
        let best: number | null = null;
        for (const v of checkPoint(rules, state, p)) {
          const n = Number(v.rule.replace(/^(we|nelson)-/, ""));
          if (best === null || n < best) best = n;
        }
        return best;
      });
    }

    it("piston rings X̄ (phase I then II): Western Electric, Nelson, rules 1 and 4", () => {
      const e = vector("piston_xbar_R_phase1");
      const sigma = (e.sigma as number) / Math.sqrt(5);
      const values = [...(e.xbar_phase1 as number[]), ...(e.xbar_phase2 as number[])];
      assert.equal(values.length, 40, "40 subgroups");
      const points = values.map((value, i) => ({
        seq: i + 1,
        value,
        cl: e.center as number,
        sigma,
        ucl: e.UCL as number,
        lcl: e.LCL as number,
      }));
      assert.deepEqual(lowest(RULE_PRESETS["western-electric"], points), e.we_rules_1to4, "WE 1-4");
      assert.deepEqual(lowest(RULE_PRESETS.nelson, points), e.nelson_rules_1to8, "Nelson 1-8");
      assert.deepEqual(
        lowest(
          [
            { id: "we-1", enabled: true },
            { id: "we-4", enabled: true },
          ],
          points,
        ),
        e.violations_qcc_default_rules_1_and_4,
        "rules 1 and 4",
      );
    });

    it("viscosity I chart revised without batch 4, then batches 21-35: Western Electric", () => {
      const e = vector("viscosity_I_MR_revised_excl_batch4");
      const all = doc.datasets.viscosity.viscosity;
      const values = [...all.slice(0, 20).filter((_, i) => i !== 3), ...all.slice(20)];
      assert.equal(values.length, 34, "19 + 15 values");
      const points = values.map((value, i) => ({
        seq: i + 1,
        value,
        cl: e.center as number,
        sigma: e.sigma as number,
        ucl: e.UCL as number,
        lcl: e.LCL as number,
      }));
      assert.deepEqual(
        lowest(RULE_PRESETS["western-electric"], points),
        e.violations_phaseI_then_II,
        "WE 1-4",
      );
    });
  });

  describe("streaming equals qcc's batch code", () => {
    // A port of qcc R/rules.R (batch: embed windows, rle runs) as the reference.
    function runFlags(cond: boolean[], length: number, shift: number, out: Set<number>): void {
      let start = 0;
      for (let i = 0; i <= cond.length; i++) {
        if (i < cond.length && cond[i]) continue;
        for (let j = start + length - 1; j < i; j++) out.add(j + shift);
        start = i + 1;
      }
    }
    function reference(
      r: { id: RuleId; length: number; count: number; sigmas: number },
      v: number[],
    ): number[] {
      const test = RULES[r.id].test;
      const out = new Set<number>();
      const n = v.length;
      const L = r.length;
      const s = r.sigmas;
      const diffs = v.slice(1).map((x, i) => x - v[i]!);
      switch (test) {
        case "beyond-limits":
          v.forEach((x, i) => {
            if (x > 3 || x < -3) out.add(i);
          });
          break;
        case "k-of-m-beyond":
          for (let t = L - 1; t < n; t++) {
            const w = v.slice(t - L + 1, t + 1);
            if (w.filter((x) => x > s).length >= r.count && v[t]! > s) out.add(t);
            if (w.filter((x) => x < -s).length >= r.count && v[t]! < -s) out.add(t);
          }
          break;
        case "run-same-side":
          runFlags(
            v.map((x) => x > 0),
            L,
            0,
            out,
          );
          runFlags(
            v.map((x) => x < 0),
            L,
            0,
            out,
          );
          break;
        case "trend":
          runFlags(
            diffs.map((d) => d > 0),
            L - 1,
            1,
            out,
          );
          runFlags(
            diffs.map((d) => d < 0),
            L - 1,
            1,
            out,
          );
          break;
        case "alternating":
          runFlags(
            diffs.slice(1).map((d, i) => d * diffs[i]! < 0),
            L - 2,
            2,
            out,
          );
          break;
        case "run-within":
          runFlags(
            v.map((x) => x >= -s && x <= s),
            L,
            0,
            out,
          );
          break;
        case "run-outside":
          for (let t = L - 1; t < n; t++) {
            const w = v.slice(t - L + 1, t + 1);
            if (w.every((x) => x > s || x < -s) && w.some((x) => x > s) && w.some((x) => x < -s)) out.add(t);
          }
          break;
      }
      return [...out].sort((a, b) => a - b);
    }

    /** Deterministic mixed sequence on a 0.25 grid: noise, shifts, trends, alternation, hugging. */
    function sequence(n: number): number[] {
      let x = 12345;
      const rnd = (): number => {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        return x / 2 ** 32;
      };
      const out: number[] = [];
      while (out.length < n) {
        const kind = Math.floor(rnd() * 6);
        const len = 3 + Math.floor(rnd() * 20);
        const base = Math.round((rnd() * 6 - 3) * 4) / 4;
        for (let k = 0; k < len; k++) {
          let v: number;
          if (kind === 0) v = Math.round((rnd() * 4 - 2) * 4) / 4;
          else if (kind === 1) v = base + Math.round(rnd() * 4) / 4;
          else if (kind === 2) v = -2 + k * 0.25 * (rnd() < 0.9 ? 1 : 0);
          else if (kind === 3) v = (k % 2 ? 1 : -1) * (0.25 + Math.round(rnd() * 8) / 4);
          else if (kind === 4) v = Math.round((rnd() * 2 - 1) * 4) / 4;
          else v = (rnd() < 0.5 ? 1 : -1) * (1 + Math.round(rnd() * 8) / 4);
          out.push(Math.max(-4, Math.min(4, v)));
        }
      }
      return out.slice(0, n);
    }

    it("flags the same points as the batch reference, every rule, default and adjusted parameters", () => {
      const values = sequence(3000);
      const variants: RuleSetting[] = [
        ...RULE_IDS.filter((id) => id !== "dispersion-1").map((id) => ({ id, enabled: true })),
        { id: "we-2", enabled: true, count: 3, length: 4, sigmas: 1.5 },
        { id: "we-3", enabled: true, count: 1, length: 2, sigmas: 0.5 },
        { id: "nelson-2", enabled: true, length: 5 },
        { id: "nelson-3", enabled: true, length: 4 },
        { id: "nelson-4", enabled: true, length: 5 },
        { id: "nelson-7", enabled: true, length: 6, sigmas: 0.5 },
        { id: "nelson-8", enabled: true, length: 3, sigmas: 2 },
      ];
      let fired = 0;
      for (const setting of variants) {
        const rules = compileRules([setting]);
        const r = rules.rules[0]!;
        const state = initialRuleState(rules);
        const got: number[] = [];
        values.forEach((v, i) => {
          for (const viol of checkPoint(rules, state, std(i, v))) {
            got.push(i);
            // Points: runs the last `length`, k-of-m the window's points beyond on the flagged side.
            if (r.test === "k-of-m-beyond") {
              const w = range(i - r.length + 1, i);
              const side = v > 0 ? 1 : -1;
              assert.deepEqual(
                viol.points,
                w.filter((j) => side * values[j]! > r.sigmas),
                `${r.id} points at ${i}`,
              );
            } else if (r.test !== "beyond-limits")
              assert.deepEqual(viol.points, range(i - r.length + 1, i), `${r.id} points at ${i}`);
          }
        });
        assert.deepEqual(got, reference(r, values), `${r.id} ${r.text}`);
        fired += got.length;
        assert.ok(got.length > 0, `${r.text} fires somewhere in the sequence`);
      }
      assert.ok(fired > 0, "something fired");
    });
  });

  describe("state", () => {
    it("survives JSON mid-sequence and continues identically", () => {
      const list: RuleSetting[] = RULE_PRESETS.nelson.map((s) =>
        s.id === "we-2" || s.id === "we-4"
          ? { ...s, enabled: true }
          : s.id === "we-3"
            ? { id: "we-3", enabled: true, count: 3, length: 7, sigmas: 0.75 }
            : s,
      );
      assert.deepEqual(checkRules(list), [], "valid");
      const rules = compileRules(list);
      const pts: RulePoint[] = [];
      let x = 7;
      for (let i = 1; i <= 400; i++) {
        x = (Math.imul(x, 69069) + 1) >>> 0;
        const v = Math.round(((x / 2 ** 32) * 7 - 3.5) * 4) / 4 + (i > 200 && i < 240 ? 1 : 0);
        pts.push(i === 150 ? std(i, 0.5, { sigma: 0 }) : std(i, i % 37 < 16 ? (i % 2 ? 1.5 : -1.5) : v));
      }
      const straight = initialRuleState(rules);
      const a: SpcViolation[][] = pts.map((p) => checkPoint(rules, straight, p));
      for (const cut of [1, 149, 150, 151, 203, 399]) {
        let state: RuleState = initialRuleState(rules);
        const b: SpcViolation[][] = [];
        pts.forEach((p, i) => {
          if (i === cut) {
            state = JSON.parse(JSON.stringify(state)) as RuleState;
            assert.ok(ruleStateMatches(rules, state), "restored state matches");
          }
          b.push(checkPoint(rules, state, p));
        });
        assert.deepEqual(b, a, `identical after a round trip at ${cut}`);
      }
      assert.ok(a.flat().length > 20, "the sequence fires rules");
      assert.deepEqual(JSON.parse(JSON.stringify(straight)), straight, "the state is plain JSON");
    });
  });

  describe("checkRules", () => {
    const fields = (s: unknown[]): string[] => checkRules(s as RuleSetting[]).map((e) => e.field);

    it("accepts the presets and parameters in range", () => {
      assert.deepEqual(
        checkRules([
          { id: "we-2", enabled: true, count: 3, length: 3, sigmas: 6 },
          { id: "we-4", enabled: false, length: 2 },
          { id: "nelson-3", enabled: true, length: 3 },
          { id: "nelson-4", enabled: true, length: 50 },
          { id: "nelson-7", enabled: true, sigmas: 0.1 },
          { id: "we-1", enabled: true, length: 5, sigmas: 100 }, // unused numbers ignored
          { id: "nelson-2", enabled: true, sigmas: -1, count: 0 }, // unused numbers ignored
          { id: "nelson-8", enabled: true, length: null as unknown as number }, // null = default
        ]),
        [],
        "valid",
      );
    });

    it("names the field of each error", () => {
      assert.deepEqual(fields([{ id: "we-9", enabled: true }]), ["rules[0].id"], "unknown id");
      assert.deepEqual(
        fields([
          { id: "we-1", enabled: true },
          { id: "we-1", enabled: false },
        ]),
        ["rules[1].id"],
        "duplicate",
      );
      assert.deepEqual(fields([{ id: "we-1", enabled: "yes" }]), ["rules[0].enabled"], "enabled");
      assert.deepEqual(fields([{ id: "we-1" }]), ["rules[0].enabled"], "enabled missing");
      assert.deepEqual(fields([null, "we-1"]), ["rules[0]", "rules[1]"], "not objects");
      assert.deepEqual(fields([{ id: "we-4", enabled: true, length: 1 }]), ["rules[0].length"], "length 1");
      assert.deepEqual(fields([{ id: "we-4", enabled: true, length: 51 }]), ["rules[0].length"], "length 51");
      assert.deepEqual(
        fields([{ id: "we-4", enabled: true, length: 7.5 }]),
        ["rules[0].length"],
        "length 7.5",
      );
      assert.deepEqual(
        fields([{ id: "nelson-3", enabled: true, length: 2 }]),
        ["rules[0].length"],
        "trend 2",
      );
      assert.deepEqual(fields([{ id: "nelson-4", enabled: true, length: 2 }]), ["rules[0].length"], "alt 2");
      assert.deepEqual(fields([{ id: "we-2", enabled: true, count: 0 }]), ["rules[0].count"], "count 0");
      assert.deepEqual(
        fields([{ id: "we-2", enabled: true, count: 4 }]),
        ["rules[0].count"],
        "count > length 3",
      );
      assert.deepEqual(fields([{ id: "we-2", enabled: true, count: 4, length: 4 }]), [], "count = length");
      assert.deepEqual(fields([{ id: "we-3", enabled: true, count: 1.5 }]), ["rules[0].count"], "count 1.5");
      for (const sigmas of [0, -1, 6.01, Number.NaN, Number.POSITIVE_INFINITY])
        assert.deepEqual(
          fields([{ id: "nelson-8", enabled: true, sigmas }]),
          ["rules[0].sigmas"],
          `sigmas ${sigmas}`,
        );
      assert.deepEqual(
        fields([{ id: "we-1", enabled: true, length: "x" }]),
        ["rules[0].length"],
        "unused non-number",
      );
      assert.deepEqual(fields([{ id: "we-2", enabled: true, sigmas: "2" }]), ["rules[0].sigmas"], "string");
      assert.deepEqual(
        fields([
          { id: "we-1", enabled: true },
          { id: "nelson-7", enabled: true, length: 0, sigmas: 9 },
        ]),
        ["rules[1].length", "rules[1].sigmas"],
        "index and every field",
      );
      assert.ok(
        checkRules([{ id: "we-4", enabled: true, length: 1 }])[0]?.message.includes("2 to 50"),
        "the message says the range",
      );
    });
  });
});
