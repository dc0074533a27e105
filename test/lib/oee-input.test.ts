// lib/oee/input.ts: what a message means to the OEE calculator. ISA-95 request states
// (STANDARDS.md 5.1): "Running" starts an order window; "Completed", "Aborted", "Closed" end it;
// the others change nothing. Dates outside 7 days back / 5 minutes ahead are refused.
import assert from "node:assert/strict";
import { oeeInputOf } from "../../lib/oee/input";

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const ASSET = "plant/area/line/filler";
const order = (state: string, extra: Record<string, unknown> = {}) => ({
  kind: "ProductionOrder",
  orderId: "ORD-1",
  productId: "P-1",
  plannedQuantity: 100,
  unit: "pcs",
  state,
  ts: NOW - 1000,
  idealCycleTimeS: 2,
  ...extra,
});

describe("lib/oee/input: messages to reducer inputs", () => {
  const cases: Array<[string, string | null]> = [
    ["Running", "start"],
    ["Completed", "end"],
    ["Aborted", "end"],
    ["Closed", "end"],
    ["Released", null],
    ["Held", null],
    ["Paused", null],
  ];
  for (const [state, action] of cases) {
    it(`a ProductionOrder in state ${state} ${action ? `${action}s the order window` : "changes nothing"}`, () => {
      const r = oeeInputOf(order(state), undefined, ASSET, NOW);
      assert.ok(r.ok, "valid");
      if (!r.ok) return;
      if (action === null) assert.equal(r.input, null, "no input");
      else
        assert.deepEqual(r.input && r.input.type === "order" ? r.input.action : undefined, action, "action");
    });
  }

  it("an order for another asset is not this calculator's", () => {
    const r = oeeInputOf(order("Running", { asset: "plant/area/line/capper" }), undefined, ASSET, NOW);
    assert.deepEqual(r, { ok: true, input: null });
  });

  it("the start carries the order's ideal cycle time and product", () => {
    const r = oeeInputOf(order("Running"), undefined, ASSET, NOW);
    assert.deepEqual(r, {
      ok: true,
      input: {
        type: "order",
        action: "start",
        orderId: "ORD-1",
        ts: NOW - 1000,
        productId: "P-1",
        idealCycleTimeS: 2,
      },
    });
  });

  it("counts without ts are dated now; a negative count names the field", () => {
    assert.deepEqual(oeeInputOf({ good: 3, reject: 1 }, undefined, ASSET, NOW), {
      ok: true,
      input: { type: "counts", ts: NOW, good: 3, reject: 1 },
    });
    const bad = oeeInputOf({ good: -3 }, undefined, ASSET, NOW);
    assert.equal(bad.ok, false, "refused");
    if (!bad.ok) assert.equal(bad.errors[0]?.field, "good", "names the field");
  });

  it("a date 8 days old or 10 minutes ahead is refused, naming ts", () => {
    for (const ts of [NOW - 8 * 86_400_000, NOW + 600_000]) {
      const r = oeeInputOf({ order: "ORD-1", action: "start", ts }, undefined, ASSET, NOW);
      assert.equal(r.ok, false, `refused ${new Date(ts).toISOString()}`);
      if (!r.ok) assert.equal(r.errors[0]?.field, "ts", "names ts");
    }
  });

  it('topic "report" asks for a report whatever the payload', () => {
    assert.deepEqual(oeeInputOf(null, "report", ASSET, NOW), { ok: true, input: { type: "report" } });
  });
});
