import type { JSONSchemaType } from "ajv";
import { OUTPUT_MODES, type OutputMode } from "../../lib/connector/sampler";
import {
  DEADBAND_TYPES,
  type DeadbandType,
  TAG_SOURCES,
  type TagConfig,
  type TagSource,
} from "../../lib/connector/tags";

/** The editor's `defaults` of mfg-machine-connector (test/package checks that they match). */
export interface MachineConnectorConfig {
  name: string;
  /** id of the mfg-asset config node (required: every sample names its machine). */
  asset: string;
  source: TagSource;
  /** id of an mfg-opcua-endpoint (source "opcua"). */
  endpoint: string;
  /** id of an mfg-mqtt-broker (source "mqtt"). */
  broker: string;
  tags: TagConfig[];
  /** OPC UA sampling interval, ms (OPC 10000-4 5.12.1.2). */
  samplingIntervalMs: number;
  /** OPC UA monitored item queue size. */
  queueSize: number;
  /** Deadband of every tag that does not set its own. */
  deadbandType: DeadbandType;
  deadband: number;
  output: OutputMode;
  /** Snapshot period, ms (output "snapshot"). */
  intervalMs: number;
  /** Watchdog: the connector is stale when no tag receives anything for this long; 0 = off. */
  staleAfterMs: number;
  /** MQTT QoS of the subscriptions and of writes. */
  qos: 0 | 1 | 2;
}

export const configSchema: JSONSchemaType<MachineConnectorConfig> = {
  type: "object",
  properties: {
    name: { type: "string", default: "" },
    asset: { type: "string", default: "" },
    source: { type: "string", enum: [...TAG_SOURCES], default: "opcua" },
    endpoint: { type: "string", default: "" },
    broker: { type: "string", default: "" },
    tags: {
      type: "array",
      default: [],
      items: {
        type: "object",
        properties: {
          name: { type: "string" },
          address: { type: "string" },
          path: { type: "string", default: "" },
          // Checked by checkTags, which names the tag in its error.
          type: {
            type: "string",
            default: "auto",
          } as unknown as JSONSchemaType<TagConfig>["properties"]["type"],
          scale: { type: "number", default: 1 },
          offset: { type: "number", default: 0 },
          unit: { type: "string", default: "" },
          deadbandType: {
            type: "string",
            default: "",
          } as unknown as JSONSchemaType<TagConfig>["properties"]["deadbandType"],
          deadband: { type: "number", default: 0 },
          staleMs: { type: "number", default: 0 },
        },
        required: ["name", "address"],
        additionalProperties: true,
      },
    },
    samplingIntervalMs: { type: "number", minimum: 0, default: 1000 },
    queueSize: { type: "integer", minimum: 1, maximum: 10000, default: 10 },
    deadbandType: { type: "string", enum: [...DEADBAND_TYPES], default: "none" },
    deadband: { type: "number", minimum: 0, default: 0 },
    output: { type: "string", enum: [...OUTPUT_MODES], default: "change" },
    intervalMs: { type: "number", minimum: 50, default: 1000 },
    staleAfterMs: { type: "number", minimum: 0, default: 60000 },
    qos: { type: "integer", enum: [0, 1, 2], default: 1 },
  },
  required: [],
  additionalProperties: true,
};
