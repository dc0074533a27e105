/**
 * mfg-mqtt-broker: one MQTT broker and the ONE client every suite node using it shares
 * (ARCHITECTURE rule 5). The client connects when the first node acquires the link and closes
 * with the last release or when this config node closes; see nodes/shared/mqtt-link.ts.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { NodeAPI, NodeDef } from "node-red";
import { type FieldError, formatErrors, makeConfigValidator } from "../../lib/validate";
import { nodeLog, shutdownOnClose } from "../shared/link";
import { MqttClientLink, type MqttTlsOptions } from "../shared/mqtt-link";
import {
  checkConsistency,
  configSchema,
  defaultClientId,
  isSecureUrl,
  type MqttBrokerConfig,
  type MqttBrokerCredentials,
  type MqttBrokerNode,
} from "./config";

const parseConfig = makeConfigValidator<MqttBrokerConfig>(configSchema);

export = (RED: NodeAPI) => {
  /** Relative TLS file paths are read from the Node-RED user directory. */
  function resolvePath(path: string): string {
    const userDir = (RED.settings as { userDir?: string }).userDir;
    return isAbsolute(path) || !userDir ? path : join(userDir, path);
  }

  function readPem(field: "caFile" | "certFile", path: string, errors: FieldError[]): Buffer | undefined {
    if (path.trim() === "") return undefined;
    try {
      return readFileSync(resolvePath(path.trim()));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      errors.push({ field, message: `cannot be read (${code}): ${path}` });
      return undefined;
    }
  }

  function MqttBrokerConfigNode(this: MqttBrokerNode, def: NodeDef & Partial<MqttBrokerConfig>) {
    RED.nodes.createNode(this, def);
    const credentials = ((this as { credentials?: unknown }).credentials ?? {}) as MqttBrokerCredentials;
    const parsed = parseConfig({ ...def });
    const errors: FieldError[] = parsed.ok ? checkConsistency(parsed.value, credentials) : parsed.errors;
    let tls: MqttTlsOptions | undefined;
    if (parsed.ok && errors.length === 0 && isSecureUrl(parsed.value.url)) {
      const ca = readPem("caFile", parsed.value.caFile, errors);
      const cert = readPem("certFile", parsed.value.certFile, errors);
      tls = { rejectUnauthorized: parsed.value.rejectUnauthorized };
      if (ca) tls.ca = ca;
      if (cert) tls.cert = cert;
      if (credentials.clientKey?.trim()) tls.key = credentials.clientKey;
      if (credentials.keyPassphrase) tls.passphrase = credentials.keyPassphrase;
    }
    if (!parsed.ok || errors.length > 0) {
      this.problem = formatErrors(errors, "broker");
      this.error(RED._("mqtt-broker.errors.invalid", { problem: this.problem }));
      return;
    }
    const config = parsed.value;
    const link = new MqttClientLink(
      {
        url: config.url,
        clientId: config.clientId.trim() || defaultClientId(this.id),
        protocolVersion: config.protocolVersion,
        keepaliveS: config.keepaliveS,
        cleanSession: config.cleanSession,
        ...(credentials.user ? { username: credentials.user } : {}),
        ...(credentials.password ? { password: credentials.password } : {}),
        ...(tls ? { tls } : {}),
        reconnectPeriodMs: config.reconnectPeriodMs,
      },
      nodeLog(this),
    );
    this.link = link;
    shutdownOnClose(this, link, config.url);
  }

  RED.nodes.registerType("mfg-mqtt-broker", MqttBrokerConfigNode, {
    credentials: {
      user: { type: "text" },
      password: { type: "password" },
      clientKey: { type: "password" },
      keyPassphrase: { type: "password" },
    },
  });
};
