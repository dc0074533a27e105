import type { JSONSchemaType } from "ajv";
import type { Node } from "node-red";
import type { FieldError } from "../../lib/validate";
import type { MqttLink } from "../shared/link";

/** The editor's `defaults` of mfg-mqtt-broker (test/package checks that they match). */
export interface MqttBrokerConfig {
  name: string;
  /** mqtt://host[:port], mqtts://, ws://host[:port]/path or wss://; no user name or password in it. */
  url: string;
  /** Empty: `mfgkit-<node id>`, stable across restarts and deploys. */
  clientId: string;
  /** 4 = MQTT 3.1.1, 5 = MQTT 5. */
  protocolVersion: 4 | 5;
  keepaliveS: number;
  cleanSession: boolean;
  /** PEM file of the CA(s) to trust (mqtts/wss only); empty = the system's CAs. */
  caFile: string;
  /** PEM file of the client certificate (mqtts/wss only); its key is in the credentials. */
  certFile: string;
  rejectUnauthorized: boolean;
  /** First wait before reconnecting; doubles after each failed attempt, up to 60 s. */
  reconnectPeriodMs: number;
}

/** The Node-RED credentials of mfg-mqtt-broker (never in the flow file). */
export interface MqttBrokerCredentials {
  user?: string;
  password?: string;
  /** PEM private key of the client certificate. */
  clientKey?: string;
  /** Passphrase of an encrypted clientKey. */
  keyPassphrase?: string;
}

export const URL_PATTERN = "^(mqtt|mqtts|ws|wss)://";

export const configSchema: JSONSchemaType<MqttBrokerConfig> = {
  type: "object",
  properties: {
    name: { type: "string", default: "" },
    url: { type: "string", pattern: URL_PATTERN },
    clientId: { type: "string", maxLength: 256, default: "" },
    protocolVersion: { type: "integer", enum: [4, 5], default: 4 },
    keepaliveS: { type: "integer", minimum: 0, maximum: 65535, default: 60 },
    cleanSession: { type: "boolean", default: true },
    caFile: { type: "string", default: "" },
    certFile: { type: "string", default: "" },
    rejectUnauthorized: { type: "boolean", default: true },
    reconnectPeriodMs: { type: "integer", minimum: 100, maximum: 600000, default: 2000 },
  },
  required: ["url"],
  additionalProperties: true,
};

/** Whether the URL's scheme uses TLS (mqtts://, wss://). */
export function isSecureUrl(url: string): boolean {
  return /^(mqtts|wss):\/\//i.test(url);
}

/**
 * What the schema cannot say: the URL has a host and a valid port and carries no user name or
 * password (those belong in the credentials); a client certificate comes with its key; MQTT
 * 3.1.1 allows a password only with a user name. Fields are named as in `formatErrors`.
 */
export function checkConsistency(config: MqttBrokerConfig, credentials: MqttBrokerCredentials): FieldError[] {
  const errors: FieldError[] = [];
  let parsed: URL | undefined;
  try {
    parsed = new URL(config.url);
  } catch {
    errors.push({ field: "url", message: `is not a valid URL, got ${JSON.stringify(config.url)}` });
  }
  if (parsed !== undefined) {
    if (parsed.hostname === "")
      errors.push({ field: "url", message: "needs a host name, e.g. mqtt://broker:1883" });
    if (parsed.username !== "" || parsed.password !== "")
      errors.push({
        field: "url",
        message: "must not contain a user name or password; enter them as credentials",
      });
    if (/^mqtts?:$/.test(parsed.protocol) && parsed.pathname !== "" && parsed.pathname !== "/")
      errors.push({
        field: "url",
        message: "of mqtt:// or mqtts:// must not have a path (ws:// and wss:// may)",
      });
  }
  if (isSecureUrl(config.url)) {
    const key = credentials.clientKey ?? "";
    if (config.certFile.trim() !== "" && key.trim() === "")
      errors.push({ field: "clientKey", message: "is required with a client certificate (certFile)" });
    if (config.certFile.trim() === "" && key.trim() !== "")
      errors.push({ field: "certFile", message: "is required with a client key" });
  }
  if (config.protocolVersion === 4 && (credentials.password ?? "") !== "" && (credentials.user ?? "") === "")
    errors.push({ field: "user", message: "is required with a password in MQTT 3.1.1" });
  return errors;
}

/** Default client id from the config node's id: at most 23 characters of [0-9a-zA-Z-]. */
export function defaultClientId(nodeId: string): string {
  return `mfgkit-${nodeId.replace(/[^0-9a-zA-Z]/g, "")}`.slice(0, 23);
}

/** What other nodes read from an mfg-mqtt-broker config node. */
export interface MqttBrokerNode extends Node {
  /** The shared client; undefined when the configuration is invalid. */
  link?: MqttLink;
  /** Why the configuration is invalid, naming the field. */
  problem?: string;
}
