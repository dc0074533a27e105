import type { JSONSchemaType } from "ajv";
import { DEFAULT_CONFIG } from "../../lib/state/classifier";
import type { ElementChoice, Rule, SimpleState } from "../../lib/state/types";
import { STATE_MODELS, type StateModel } from "../../lib/types";

/** The editor's `defaults` of mfg-state-classifier (test/package checks that they match). */
export interface StateClassifierConfig {
  name: string;
  /** id of an mfg-asset config node, or "": names samples that come without an asset. */
  asset: string;
  model: StateModel;
  /** packml: StateCurrent tag; machinery: MachineryItemState tag. */
  stateTag: string;
  /** machinery: MachineryOperationMode tag ("" = none). */
  modeTag: string;
  /** simple model: ordered rules. */
  rules: Rule[];
  defaultState: SimpleState;
  /** Per-state element overrides. */
  timeElements: Record<string, ElementChoice>;
  minDurationMs: number;
  microStopMs: number;
  reasonTag: string;
  historySize: number;
  /** Context store name for the persisted state ("" = the default store). */
  store: string;
}

// Rules, conditions and overrides are checked in depth by checkClassifierConfig (lib/state),
// which names the rule and condition in its errors; the schema only fixes the shapes.
export const configSchema: JSONSchemaType<StateClassifierConfig> = {
  type: "object",
  properties: {
    name: { type: "string", default: "" },
    asset: { type: "string", default: "" },
    model: { type: "string", enum: [...STATE_MODELS], default: DEFAULT_CONFIG.model },
    stateTag: { type: "string", default: DEFAULT_CONFIG.stateTag },
    modeTag: { type: "string", default: DEFAULT_CONFIG.modeTag },
    rules: {
      type: "array",
      default: [],
      items: {
        type: "object",
        properties: {
          state: { type: "string" },
          when: {
            type: "array",
            items: {
              type: "object",
              properties: {
                tag: { type: "string" },
                op: { type: "string" },
                value: { type: ["number", "string", "boolean"] },
              },
              required: ["tag", "op"],
              additionalProperties: true,
            },
          },
          reason: { type: "string" },
        },
        required: ["state", "when"],
        additionalProperties: true,
      },
    } as unknown as JSONSchemaType<StateClassifierConfig>["properties"]["rules"],
    defaultState: {
      type: "string",
      default: DEFAULT_CONFIG.defaultState,
    } as unknown as JSONSchemaType<StateClassifierConfig>["properties"]["defaultState"],
    timeElements: {
      type: "object",
      default: {},
      required: [],
      additionalProperties: { type: "string" },
    } as unknown as JSONSchemaType<StateClassifierConfig>["properties"]["timeElements"],
    minDurationMs: { type: "number", minimum: 0, default: DEFAULT_CONFIG.minDurationMs },
    microStopMs: { type: "number", minimum: 0, default: DEFAULT_CONFIG.microStopMs },
    reasonTag: { type: "string", default: DEFAULT_CONFIG.reasonTag },
    historySize: { type: "integer", minimum: 1, maximum: 100000, default: DEFAULT_CONFIG.historySize },
    store: { type: "string", default: "" },
  },
  required: [],
  additionalProperties: true,
};
