/**
 * What a message means to the OEE calculator (lib/oee/oee.ts): a StateChange, a MachineSample, a
 * ProductionOrder (ISA-95 "Running" starts the order window; "Completed", "Aborted", "Closed" end
 * it), an order command `{order, action, idealCycleTimeS?, productId?, ts?}`, count increments
 * `{good, reject, rework?, ts?}`, or `topic: "report"`. Pure: the clock comes in as `nowMs`.
 */
import { checkInputTime, type FieldError, got, parseTime, TIME_EXPECTED, validate } from "../validate";
import { MAX_COUNT_INCREMENT } from "./oee";
import type { OeeInput } from "./types";

/** Refusal of an input, naming the fields (internal: oeeInputOf returns it as errors). */
class Refused extends Error {
  constructor(readonly errors: FieldError[]) {
    super("refused");
  }
}

/** ISA-95 request states that start and end an order window (STANDARDS.md 5.1). */
const ORDER_START_STATES = new Set(["Running"]);
const ORDER_END_STATES = new Set(["Completed", "Aborted", "Closed"]);

const EXPECTED_PAYLOAD =
  "must be a StateChange, MachineSample or ProductionOrder, an order command " +
  '{order, action: "start"|"end"} or counts {good, reject}';

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function nonNegativeInteger(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

/** Fields of `payload` that are not in `known`, as errors. */
function unknownFields(payload: Obj, known: readonly string[], what: string): FieldError[] {
  return Object.keys(payload)
    .filter((k) => !known.includes(k))
    .map((k) => ({ field: k, message: `is not a field of ${what}` }));
}

/** `ts` of a plain command: epoch ms or ISO 8601 with offset; the arrival time when absent. */
function commandTime(payload: Obj, errors: FieldError[], nowMs: number): number {
  if (payload.ts === undefined) return nowMs;
  const ts = parseTime(payload.ts);
  if (ts === undefined) errors.push({ field: "ts", message: `${TIME_EXPECTED}${got(payload.ts)}` });
  return ts ?? 0;
}

function orderCommand(payload: Obj, nowMs: number): OeeInput {
  const errors = unknownFields(
    payload,
    ["order", "action", "idealCycleTimeS", "productId", "ts"],
    "an order command",
  );
  const { order, action, idealCycleTimeS, productId } = payload;
  if (typeof order !== "string" || order.trim() === "")
    errors.push({ field: "order", message: `must be the order id, a non-empty string${got(order)}` });
  if (action !== "start" && action !== "end")
    errors.push({ field: "action", message: `must be "start" or "end"${got(action)}` });
  if (
    idealCycleTimeS !== undefined &&
    !(typeof idealCycleTimeS === "number" && Number.isFinite(idealCycleTimeS) && idealCycleTimeS > 0)
  )
    errors.push({
      field: "idealCycleTimeS",
      message: `must be a number > 0 (seconds)${got(idealCycleTimeS)}`,
    });
  if (productId !== undefined && (typeof productId !== "string" || productId === ""))
    errors.push({ field: "productId", message: `must be a non-empty string${got(productId)}` });
  const ts = commandTime(payload, errors, nowMs);
  if (errors.length > 0) throw new Refused(errors);
  const input: OeeInput = { type: "order", action: action as "start" | "end", orderId: order as string, ts };
  if (idealCycleTimeS !== undefined) input.idealCycleTimeS = idealCycleTimeS as number;
  if (productId !== undefined) input.productId = productId as string;
  return input;
}

function counts(payload: Obj, nowMs: number): OeeInput {
  const errors = unknownFields(payload, ["good", "reject", "rework", "ts"], "counts");
  for (const field of ["good", "reject", "rework"]) {
    const v = payload[field];
    if (v === undefined) continue;
    if (!nonNegativeInteger(v)) errors.push({ field, message: `must be a non-negative integer${got(v)}` });
    else if (v > MAX_COUNT_INCREMENT)
      errors.push({ field, message: `must be at most ${MAX_COUNT_INCREMENT} parts per message${got(v)}` });
  }
  const ts = commandTime(payload, errors, nowMs);
  if (errors.length > 0) throw new Refused(errors);
  const input: OeeInput = {
    type: "counts",
    ts,
    good: (payload.good as number | undefined) ?? 0,
    reject: (payload.reject as number | undefined) ?? 0,
  };
  if (payload.rework !== undefined) input.rework = payload.rework as number;
  return input;
}

/**
 * The reducer input of a message, null when the message is valid but not for this node (an
 * order in another state or for another asset); throws Refused naming the field.
 */
function inputOf(
  payload: unknown,
  topic: unknown,
  asset: string | undefined,
  nowMs: number,
): OeeInput | null {
  if (topic === "report") return { type: "report" };
  if (!isObject(payload)) throw new Refused([{ field: "", message: `${EXPECTED_PAYLOAD}${got(payload)}` }]);
  if ("kind" in payload) {
    switch (payload.kind) {
      case "StateChange": {
        const r = validate("StateChange", payload);
        if (!r.ok) throw new Refused(r.errors);
        return { type: "state", change: r.value };
      }
      case "MachineSample": {
        const r = validate("MachineSample", payload);
        if (!r.ok) throw new Refused(r.errors);
        return { type: "sample", sample: r.value };
      }
      case "ProductionOrder": {
        const r = validate("ProductionOrder", payload);
        if (!r.ok) throw new Refused(r.errors);
        const order = r.value;
        // An order dispatched to another machine is not this machine's window.
        if (order.asset !== undefined && asset !== undefined && order.asset !== asset) return null;
        const action = ORDER_START_STATES.has(order.state)
          ? "start"
          : ORDER_END_STATES.has(order.state)
            ? "end"
            : undefined;
        if (!action) return null;
        const input: OeeInput = { type: "order", action, orderId: order.orderId, ts: order.ts };
        if (action === "start") {
          input.productId = order.productId;
          if (order.idealCycleTimeS !== undefined) input.idealCycleTimeS = order.idealCycleTimeS;
        }
        return input;
      }
      default:
        throw new Refused([
          {
            field: "kind",
            message: `must be "StateChange", "MachineSample" or "ProductionOrder" (order commands and counts have no kind)${got(payload.kind)}`,
          },
        ]);
    }
  }
  if ("order" in payload || "action" in payload) return orderCommand(payload, nowMs);
  if ("good" in payload || "reject" in payload || "rework" in payload) return counts(payload, nowMs);
  throw new Refused([{ field: "", message: EXPECTED_PAYLOAD }]);
}

/**
 * Refuses an input dated too far from the clock (lib/validate checkInputTime): a bogus date
 * would make the reducer catch up over years or clamp everything after it.
 */
function checkTime(input: OeeInput | null, nowMs: number): void {
  if (input === null) return;
  let ts: number | undefined;
  if (input.type === "state") ts = input.change.ts;
  else if (input.type === "sample") ts = input.sample.ts;
  else if (input.type === "order" || input.type === "counts") ts = input.ts;
  if (ts === undefined) return;
  const error = checkInputTime(ts, nowMs);
  if (error) throw new Refused([error]);
}

export type InputResult = { ok: true; input: OeeInput | null } | { ok: false; errors: FieldError[] };

/**
 * The reducer input of a message; `input` null when the message is valid but not for this
 * calculator (an order in another state or for another asset). Inputs dated more than 7 days
 * before or 5 minutes after `nowMs` are refused (checkInputTime): a bogus date would make the
 * reducer catch up over years.
 */
export function oeeInputOf(
  payload: unknown,
  topic: unknown,
  asset: string | undefined,
  nowMs: number,
): InputResult {
  try {
    const input = inputOf(payload, topic, asset, nowMs);
    checkTime(input, nowMs);
    return { ok: true, input };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, errors: err.errors };
    throw err;
  }
}
