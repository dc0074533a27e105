import type { JSONSchemaType } from "ajv";
import type { Node } from "node-red";
import type { FieldError } from "../../lib/validate";
import type { OpcuaLink } from "../shared/link";

export const SECURITY_MODES = ["None", "Sign", "SignAndEncrypt"] as const;
export const SECURITY_POLICIES = [
  "None",
  "Basic256Sha256",
  "Aes128_Sha256_RsaOaep",
  "Aes256_Sha256_RsaPss",
] as const;
export const IDENTITIES = ["anonymous", "username", "certificate"] as const;

/** The editor's `defaults` of mfg-opcua-endpoint (test/package checks that they match). */
export interface OpcuaEndpointConfig {
  name: string;
  /** opc.tcp://host:port[/path] */
  endpointUrl: string;
  securityMode: (typeof SECURITY_MODES)[number];
  securityPolicy: (typeof SECURITY_POLICIES)[number];
  identity: (typeof IDENTITIES)[number];
  /** X.509 user certificate file (PEM or DER) for identity "certificate"; relative = to the user dir. */
  userCertificate: string;
  /** Publishing interval of the shared subscription. */
  publishingIntervalMs: number;
  /** Session keep-alive interval. */
  keepAliveMs: number;
  /** Requested session timeout. */
  sessionTimeoutMs: number;
  /** Cap of the reconnect backoff (starts at 500 ms, doubles). */
  reconnectMaxDelayMs: number;
}

/** The Node-RED credentials of mfg-opcua-endpoint (never in the flow file). */
export interface OpcuaEndpointCredentials {
  user?: string;
  password?: string;
  /** PEM text of the X.509 user certificate's private key. */
  userPrivateKey?: string;
}

export const ENDPOINT_URL_PATTERN = "^opc\\.tcp://[^\\s/:]+(:\\d{1,5})?(/\\S*)?$";

export const configSchema: JSONSchemaType<OpcuaEndpointConfig> = {
  type: "object",
  properties: {
    name: { type: "string", default: "" },
    endpointUrl: { type: "string", pattern: ENDPOINT_URL_PATTERN },
    securityMode: { type: "string", enum: [...SECURITY_MODES], default: "None" },
    securityPolicy: { type: "string", enum: [...SECURITY_POLICIES], default: "None" },
    identity: { type: "string", enum: [...IDENTITIES], default: "anonymous" },
    userCertificate: { type: "string", default: "" },
    publishingIntervalMs: { type: "integer", minimum: 10, maximum: 3_600_000, default: 250 },
    keepAliveMs: { type: "integer", minimum: 1000, maximum: 600_000, default: 5000 },
    sessionTimeoutMs: { type: "integer", minimum: 10_000, maximum: 3_600_000, default: 60_000 },
    reconnectMaxDelayMs: { type: "integer", minimum: 500, maximum: 600_000, default: 10_000 },
  },
  required: ["endpointUrl"],
  additionalProperties: true,
};

/**
 * What the schema cannot say: security mode None if and only if policy None; a user identity needs
 * a user name; a certificate identity needs the certificate file and the private key.
 */
export function checkConsistency(
  config: OpcuaEndpointConfig,
  credentials: OpcuaEndpointCredentials,
): FieldError[] {
  const errors: FieldError[] = [];
  if ((config.securityMode === "None") !== (config.securityPolicy === "None")) {
    errors.push({
      field: "securityPolicy",
      message:
        config.securityMode === "None"
          ? `must be None when the security mode is None, got "${config.securityPolicy}"`
          : `must not be None when the security mode is ${config.securityMode}`,
    });
  }
  if (config.identity === "username" && !credentials.user?.trim()) {
    errors.push({ field: "user", message: "is required for the user name identity" });
  }
  if (config.identity === "certificate") {
    if (config.userCertificate.trim() === "")
      errors.push({ field: "userCertificate", message: "is required for the certificate identity" });
    if (!credentials.userPrivateKey?.trim())
      errors.push({ field: "userPrivateKey", message: "is required for the certificate identity" });
  }
  return errors;
}

/** What other nodes read from an mfg-opcua-endpoint config node. */
export interface OpcuaEndpointNode extends Node {
  /** The shared session; undefined when the configuration is invalid. */
  link?: OpcuaLink;
  /** Why the configuration is invalid, naming the field. */
  problem?: string;
}
