/**
 * mfg-opcua-endpoint: one OPC UA server and the ONE session every suite node using it shares
 * (ARCHITECTURE rule 5). The session opens when the first node acquires the link and closes with
 * the last release or when this config node closes; see nodes/shared/opcua-link.ts.
 *
 * Admin endpoints (registered once per runtime):
 *   GET  /mfg-opcua-endpoint/certificates         rejected and trusted server certificates
 *   POST /mfg-opcua-endpoint/certificates/trust   { file } or { thumbprint }: trust a rejected one
 *   GET  /mfg-opcua-endpoint/:id/browse?nodeId=   children of a node through a deployed endpoint
 */
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import type { Request as Req, Response as Res } from "express";
import type { NodeAPI, NodeDef } from "node-red";
import { type FieldError, formatErrors, makeConfigValidator } from "../../lib/validate";
import { type BrowseEntry, nodeLog, type OpcuaLink, shutdownOnClose } from "../shared/link";
import {
  listServerCertificates,
  OpcuaClientLink,
  type OpcuaIdentity,
  trustServerCertificate,
} from "../shared/opcua-link";
import {
  checkConsistency,
  configSchema,
  type OpcuaEndpointConfig,
  type OpcuaEndpointCredentials,
  type OpcuaEndpointNode,
} from "./config";

const parseConfig = makeConfigValidator<OpcuaEndpointConfig>(configSchema);

/** How long the browse endpoint waits for a session it had to open. */
const BROWSE_CONNECT_TIMEOUT_MS = 15_000;

interface Settings {
  userDir?: string;
  /** Overrides the PKI folder (tests, or a shared PKI). */
  mfgOpcuaPkiDir?: string;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Resolves when the link is connected; rejects with its status detail when it fails or times out. */
function connected(link: OpcuaLink, ms: number): Promise<void> {
  if (link.status.state === "connected") return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    let off: () => void = () => undefined;
    const timer = setTimeout(() => {
      off();
      reject(new Error(link.status.detail ?? `${link.endpointUrl}: not connected`));
    }, ms);
    off = link.onStatus((status) => {
      if (status.state === "connected") {
        clearTimeout(timer);
        off();
        resolve();
      } else if (status.state === "disconnected" && status.detail) {
        clearTimeout(timer);
        off();
        reject(new Error(status.detail));
      }
    });
  });
}

export = (RED: NodeAPI) => {
  const settings = RED.settings as unknown as Settings;

  /** `<userDir>/mfgkit/opcua-pki` (userDir defaults to ~/.node-red), or settings.mfgOpcuaPkiDir. */
  function pkiDir(): string {
    if (settings.mfgOpcuaPkiDir) return settings.mfgOpcuaPkiDir;
    return join(settings.userDir ?? join(homedir(), ".node-red"), "mfgkit", "opcua-pki");
  }

  function resolvePath(path: string): string {
    const userDir = settings.userDir;
    return isAbsolute(path) || !userDir ? path : join(userDir, path);
  }

  function OpcuaEndpointConfigNode(this: OpcuaEndpointNode, def: NodeDef & Partial<OpcuaEndpointConfig>) {
    RED.nodes.createNode(this, def);
    const credentials = ((this as { credentials?: unknown }).credentials ?? {}) as OpcuaEndpointCredentials;
    const parsed = parseConfig({ ...def });
    const errors: FieldError[] = parsed.ok ? checkConsistency(parsed.value, credentials) : parsed.errors;
    if (!parsed.ok || errors.length > 0) {
      this.problem = formatErrors(errors, "endpoint");
      this.error(RED._("opcua-endpoint.errors.invalid", { problem: this.problem }));
      return;
    }
    const config = parsed.value;
    let identity: OpcuaIdentity;
    switch (config.identity) {
      case "username":
        identity = { type: "username", user: credentials.user ?? "", password: credentials.password ?? "" };
        break;
      case "certificate":
        identity = {
          type: "certificate",
          certificateFile: resolvePath(config.userCertificate.trim()),
          privateKey: credentials.userPrivateKey ?? "",
        };
        break;
      default:
        identity = { type: "anonymous" };
    }
    const link = new OpcuaClientLink(
      {
        endpointUrl: config.endpointUrl,
        securityMode: config.securityMode,
        securityPolicy: config.securityPolicy,
        identity,
        pkiDir: pkiDir(),
        publishingIntervalMs: config.publishingIntervalMs,
        keepAliveMs: config.keepAliveMs,
        sessionTimeoutMs: config.sessionTimeoutMs,
        reconnectMaxDelayMs: config.reconnectMaxDelayMs,
      },
      nodeLog(this),
    );
    this.link = link;
    shutdownOnClose(this, link, config.endpointUrl);
  }

  RED.nodes.registerType("mfg-opcua-endpoint", OpcuaEndpointConfigNode, {
    credentials: {
      user: { type: "text" },
      password: { type: "password" },
      userPrivateKey: { type: "password" },
    },
  });

  const read = RED.auth.needsPermission("mfg-opcua-endpoint.read");
  const write = RED.auth.needsPermission("mfg-opcua-endpoint.write");

  RED.httpAdmin.get("/mfg-opcua-endpoint/certificates", read, (_req: Req, res: Res) => {
    listServerCertificates(pkiDir()).then(
      (list) => res.json(list),
      (err: unknown) => res.status(500).send(errorText(err)),
    );
  });

  RED.httpAdmin.post("/mfg-opcua-endpoint/certificates/trust", write, (req: Req, res: Res) => {
    const body: Record<string, unknown> = typeof req.body === "object" && req.body !== null ? req.body : {};
    const key = body.file ?? body.thumbprint ?? req.query.file ?? req.query.thumbprint;
    if (typeof key !== "string" || key === "") {
      res.status(400).send("give the file name or the thumbprint of a rejected certificate");
      return;
    }
    trustServerCertificate(pkiDir(), key).then(
      (done) => {
        if (done) {
          RED.log.info(`mfg-opcua-endpoint: trusted server certificate ${key}`);
          res.json({ trusted: key });
        } else res.status(404).send(`no rejected certificate ${key}`);
      },
      (err: unknown) => res.status(500).send(errorText(err)),
    );
  });

  RED.httpAdmin.get("/mfg-opcua-endpoint/:id/browse", read, (req: Req, res: Res) => {
    const id = String(req.params.id ?? "");
    const node = id ? (RED.nodes.getNode(id) as OpcuaEndpointNode | null) : null;
    if (node?.type !== "mfg-opcua-endpoint") {
      res.status(404).send(`endpoint ${id} is not deployed`);
      return;
    }
    const link = node.link;
    if (!link) {
      res.status(502).send(`invalid endpoint: ${node.problem ?? "no link"}`);
      return;
    }
    const nodeId =
      typeof req.query.nodeId === "string" && req.query.nodeId !== "" ? req.query.nodeId : "i=85";
    link.acquire();
    const browse = async (): Promise<BrowseEntry[]> => {
      try {
        await connected(link, BROWSE_CONNECT_TIMEOUT_MS);
        return await link.browse(nodeId);
      } finally {
        await link.release();
      }
    };
    browse().then(
      (entries) => res.json(entries),
      (err: unknown) => res.status(502).send(errorText(err)),
    );
  });
};
