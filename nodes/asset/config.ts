import type { JSONSchemaType } from "ajv";
import type { Node } from "node-red";
import type { AssetIdentity } from "../../lib/asset";

/** The editor's `defaults` of mfg-asset (test/package checks that they match). */
export interface AssetConfig {
  site: string;
  area: string;
  line: string;
  cell: string;
  machine: string;
  description: string;
}

export const configSchema: JSONSchemaType<AssetConfig> = {
  type: "object",
  properties: {
    site: { type: "string", default: "" },
    area: { type: "string", default: "" },
    line: { type: "string", default: "" },
    cell: { type: "string", default: "" },
    machine: { type: "string", default: "" },
    description: { type: "string", default: "" },
  },
  required: [],
  additionalProperties: true,
};

/** What other nodes read from an mfg-asset config node. */
export interface AssetNode extends Node {
  identity?: AssetIdentity;
  /** site/area/line[/cell]/machine, the `msg.topic` of suite messages; undefined when invalid. */
  path?: string;
  /** Why the asset is invalid, naming the field. */
  problem?: string;
}
