/**
 * PackML (ANSI/ISA-TR88.00.02, OPC 30050) states as the classifier reads them from the PackTags
 * `StateCurrent` tag, and their default ISO 22400-2 time elements.
 *
 * State numbers: STANDARDS.md 2.1 / state-models.json `packml_flat.state_numbers` (the nodeset's
 * StateNumber; 0 Undefined exists in PackTags only).
 */
import type { TagScalar } from "../types";
import type { ElementChoice } from "./types";

/** The 18 PackTags StateCurrent values, index = number (STANDARDS.md 2.1). */
export const PACKML_STATES = [
  "Undefined",
  "Clearing",
  "Stopped",
  "Starting",
  "Idle",
  "Suspended",
  "Execute",
  "Stopping",
  "Aborting",
  "Aborted",
  "Holding",
  "Held",
  "Unholding",
  "Suspending",
  "Unsuspending",
  "Resetting",
  "Completing",
  "Complete",
] as const;
export type PackmlState = (typeof PACKML_STATES)[number];

/**
 * Default time element of each PackML state. ISO 22400-2 elements after STANDARDS.md 1.1 (APT =
 * value-adding production; ADET = "malfunction-caused interrupts, minor stoppages ..."; AUST =
 * preparing an order; ADOT = available but no order executing), applied to the PackML states of
 * STANDARDS.md 2.1:
 * - Execute is the only producing state: APT.
 * - Suspending/Suspended/Unsuspending: the unit waits for material or downstream (starved/blocked,
 *   Weihenstephan Lack/Tailback, STANDARDS.md 2.3): minor stoppages, ADET.
 * - Holding/Held/Unholding: an internal fault or operator hold (Weihenstephan EquipmentFailure /
 *   ExternalFailure): ADET.
 * - Stopping/Stopped/Aborting/Aborted/Clearing: a stop or abort interrupts the order: ADET.
 * - Completing/Complete: the order ends, the unit is changed over for the next one: AUST.
 * - Resetting/Idle/Starting: "inherit", the element of the state before, so the way back after an
 *   abort stays ADET and the way back after Complete stays AUST (ADOT when nothing came before).
 * - Undefined: ADOT (available, nothing known to execute).
 */
export const PACKML_ELEMENTS: Readonly<Record<PackmlState, ElementChoice>> = {
  Undefined: "ADOT",
  Clearing: "ADET",
  Stopped: "ADET",
  Starting: "inherit",
  Idle: "inherit",
  Suspended: "ADET",
  Execute: "APT",
  Stopping: "ADET",
  Aborting: "ADET",
  Aborted: "ADET",
  Holding: "ADET",
  Held: "ADET",
  Unholding: "ADET",
  Suspending: "ADET",
  Unsuspending: "ADET",
  Resetting: "inherit",
  Completing: "AUST",
  Complete: "AUST",
};

const BY_NAME = new Map<string, number>(PACKML_STATES.map((name, i) => [name.toLowerCase(), i]));

/**
 * The PackML state of a StateCurrent value: a number 0..17 (also as numeric text) or a state
 * name (any case). Undefined when the value is neither.
 */
export function packmlState(value: TagScalar): { state: PackmlState; code: number } | undefined {
  let code: number | undefined;
  if (typeof value === "number") code = value;
  else if (typeof value === "string") {
    const text = value.trim();
    code = /^\d+$/.test(text) ? Number(text) : BY_NAME.get(text.toLowerCase());
  }
  if (code === undefined || !Number.isInteger(code)) return undefined;
  const state = PACKML_STATES[code];
  return state === undefined ? undefined : { state, code };
}
