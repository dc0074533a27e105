/**
 * OPC 40001-1 (OPC UA for Machinery) MachineryItemState combined with MachineryOperationMode
 * (STANDARDS.md 2.2; state-models.json `opcua_machinery`), and their ISO 22400-2 time elements
 * after OPC 40001-1 Annex C.2 Table 68 (STANDARDS.md 1.1 [OPC-C2]).
 */
import type { TagScalar } from "../types";
import type { ElementChoice } from "./types";

/** MachineryItemState, index = StateNumber. */
export const MACHINERY_ITEM_STATES = ["NotAvailable", "OutOfService", "NotExecuting", "Executing"] as const;
export type MachineryItemState = (typeof MACHINERY_ITEM_STATES)[number];

/** MachineryOperationMode, index = StateNumber. */
export const MACHINERY_MODES = ["None", "Maintenance", "Setup", "Processing"] as const;
export type MachineryMode = (typeof MACHINERY_MODES)[number];

/**
 * Element of an item state, whatever the mode, except Executing (below). [OPC-C2]:
 * - OutOfService ("not functional ... e.g. error, blocked"): ADET. Annex C.2 gives ADET while an
 *   order is registered and ADOT without one; the classifier does not know orders, and a failure
 *   during planned busy time is the delay ISO 22400 means, so ADET.
 * - NotExecuting ("available & functional ... waits for an action from outside"): ADOT.
 * - NotAvailable (switched off, energy saving): ADOT (Annex C.2: "NotAvailable with no order").
 */
const ITEM_ELEMENTS: Readonly<Record<MachineryItemState, ElementChoice>> = {
  NotAvailable: "ADOT",
  OutOfService: "ADET",
  NotExecuting: "ADOT",
  Executing: "APT",
};

/**
 * Executing by operation mode [OPC-C2]: Processing ("value adding") APT; Setup AUST;
 * Maintenance PDOT (maintenance or setup "as service" without an order is planned/maintenance
 * time, not ADOT); None ("no operation mode available": the machine has no mode model, so its
 * activity is taken as production) APT.
 */
const EXECUTING_ELEMENTS: Readonly<Record<MachineryMode, ElementChoice>> = {
  None: "APT",
  Maintenance: "PDOT",
  Setup: "AUST",
  Processing: "APT",
};

/**
 * Every state name of the model: "Item/Mode" (16) when a mode tag is read, "Item" (4) without one.
 */
export const MACHINERY_STATES: readonly string[] = [
  ...MACHINERY_ITEM_STATES.flatMap((item) => MACHINERY_MODES.map((mode) => `${item}/${mode}`)),
  ...MACHINERY_ITEM_STATES,
];

/** Default element of every machinery state name. */
export const MACHINERY_ELEMENTS: Readonly<Record<string, ElementChoice>> = Object.fromEntries([
  ...MACHINERY_ITEM_STATES.flatMap((item) =>
    MACHINERY_MODES.map((mode) => [
      `${item}/${mode}`,
      item === "Executing" ? EXECUTING_ELEMENTS[mode] : ITEM_ELEMENTS[item],
    ]),
  ),
  ...MACHINERY_ITEM_STATES.map((item) => [item, ITEM_ELEMENTS[item]]),
]);

function decode<T extends string>(names: readonly T[], value: TagScalar): T | undefined {
  let index: number | undefined;
  if (typeof value === "number") index = value;
  else if (typeof value === "string") {
    const text = value.trim();
    if (/^\d+$/.test(text)) index = Number(text);
    else return names.find((n) => n.toLowerCase() === text.toLowerCase());
  }
  return index !== undefined && Number.isInteger(index) ? names[index] : undefined;
}

/** MachineryItemState of a value: its StateNumber 0..3 (also as text) or its name (any case). */
export function machineryItemState(value: TagScalar): MachineryItemState | undefined {
  return decode(MACHINERY_ITEM_STATES, value);
}

/** MachineryOperationMode of a value: its StateNumber 0..3 (also as text) or its name (any case). */
export function machineryMode(value: TagScalar): MachineryMode | undefined {
  return decode(MACHINERY_MODES, value);
}
