import type { JSONSchemaType } from "ajv";
import { MESSAGE_KINDS, type MessageKind } from "../../lib/types";

/** The editor's `defaults` of mfg-validate (test/package checks that they match). */
export interface ValidateConfig {
  name: string;
  /** id of an mfg-asset config node, or "". */
  asset: string;
  /** "auto" = take the kind from `payload.kind`. */
  kind: "auto" | MessageKind;
  /** Build a MachineSample from a plain object of tag values. */
  wrap: boolean;
}

export const configSchema: JSONSchemaType<ValidateConfig> = {
  type: "object",
  properties: {
    name: { type: "string", default: "" },
    asset: { type: "string", default: "" },
    kind: { type: "string", enum: ["auto", ...MESSAGE_KINDS], default: "auto" },
    wrap: { type: "boolean", default: false },
  },
  required: [],
  additionalProperties: true,
};
