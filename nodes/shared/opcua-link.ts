/**
 * The shared OPC UA session of one `mfg-opcua-endpoint` (ARCHITECTURE rule 5), on node-opcua.
 *
 * One OPCUAClient, one session, one subscription per link. Monitored items are created with raw
 * CreateMonitoredItems calls (no ClientMonitoredItem object per item) and their notifications are
 * read from the subscription's raw NotificationMessages, so one publish response becomes one
 * `changes` call per monitor.
 *
 * Connection handling:
 * - the first connection (and every full reconnect after the client gave up) runs in our own loop:
 *   connect, create session, create subscription, create items; a failure is reported with its
 *   cause (ECONNREFUSED, BadUserAccessDenied, BadCertificateUntrusted, ...) and retried with
 *   exponential backoff, forever, until `close`;
 * - a connection loss of an established session is repaired by node-opcua (new secure channel,
 *   reactivated session or new session with transferred / recreated subscription). When it says
 *   "session_restored" we reconcile: the server's GetMonitoredItems of our subscription is compared
 *   with our items by client handle; missing items are created, unknown or duplicate ones deleted,
 *   so every item exists exactly once on the server whatever path the repair took.
 */
import { X509Certificate } from "node:crypto";
import { existsSync, promises as fsp } from "node:fs";
import { join } from "node:path";
import {
  AttributeIds,
  BrowseDirection,
  type BrowseResult,
  type ClientSession,
  type ClientSessionRawSubscriptionService,
  type ClientSubscription,
  DataChangeFilter,
  DataChangeNotification,
  DataChangeTrigger,
  DataType,
  type DataValue,
  DeadbandType,
  MessageSecurityMode,
  type MonitoredItemCreateRequestOptions,
  MonitoringMode,
  NodeClass,
  type NodeId,
  type NotificationMessage,
  OPCUACertificateManager,
  OPCUAClient,
  type ReferenceDescription,
  resolveNodeId,
  SecurityPolicy,
  type StatusCode,
  TimestampsToReturn,
  type UserIdentityInfo,
  UserTokenType,
  type Variant,
  VariantArrayType,
} from "node-opcua";
import {
  type BrowseEntry,
  Link,
  type LinkLog,
  type OpcuaChange,
  type OpcuaItem,
  type OpcuaLink,
  type OpcuaMonitor,
  type OpcuaMonitorCallbacks,
  type OpcuaValue,
  type OpcuaWrite,
  type OpcuaWriteResult,
} from "./link";

export type OpcuaSecurityMode = "None" | "Sign" | "SignAndEncrypt";
export type OpcuaSecurityPolicy =
  | "None"
  | "Basic256Sha256"
  | "Aes128_Sha256_RsaOaep"
  | "Aes256_Sha256_RsaPss";

export type OpcuaIdentity =
  | { type: "anonymous" }
  | { type: "username"; user: string; password: string }
  /** X.509 user identity: certificate file (PEM or DER) and the PEM text of its private key. */
  | { type: "certificate"; certificateFile: string; privateKey: string };

export interface OpcuaLinkConfig {
  endpointUrl: string;
  securityMode: OpcuaSecurityMode;
  securityPolicy: OpcuaSecurityPolicy;
  identity: OpcuaIdentity;
  /** Folder of the client's PKI (own certificate, trusted/rejected server certificates). */
  pkiDir: string;
  /** Publishing interval of the shared subscription; default 250. */
  publishingIntervalMs?: number;
  /** Session keep-alive interval (also the subscription's keep-alive); default 5000. */
  keepAliveMs?: number;
  /** Requested session timeout; default 60000. */
  sessionTimeoutMs?: number;
  /** First reconnect delay; default 500. */
  reconnectInitialDelayMs?: number;
  /** Backoff cap; default 10000. */
  reconnectMaxDelayMs?: number;
  /** Minimum ms between two log lines of the same text; default 60000. */
  logRepeatMs?: number;
}

interface MonitorState {
  readonly callbacks: OpcuaMonitorCallbacks;
  readonly entries: Entry[];
  closed: boolean;
  /** Changes of the notification message being dispatched. */
  batch: OpcuaChange[] | undefined;
}

interface Entry {
  readonly handle: number;
  readonly index: number;
  readonly item: OpcuaItem;
  readonly monitor: MonitorState;
  /** Server handle in the current subscription, when created. */
  serverId: number | undefined;
  /** Reconcile generation in which the server refused the item (not retried within it). */
  failedGeneration: number;
}

/** node-opcua's session has the raw subscription services; its ClientSession type omits them. */
type RawSession = ClientSession & ClientSessionRawSubscriptionService;

const CHUNK = 1000;
const CLOSE_TIMEOUT_MS = 3000;
/** A session resets the reconnect backoff only after staying up this long (no fast flapping). */
const STABLE_SESSION_MS = 30_000;
/** Bound on a socket without any data (connect, HEL/ACK, ...); at least twice the keep-alive. */
const MIN_TRANSPORT_TIMEOUT_MS = 10_000;

/** The first OPC UA status name (BadXxx) or socket error code in an error message, else the message. */
export function causeOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const status = /\b(Bad[A-Z][A-Za-z]+)\b/.exec(text);
  if (status?.[1]) return status[1];
  const code = /\b(E[A-Z]{3,}[A-Z_]*)\b/.exec(text);
  if (code?.[1]) return code[1];
  const firstLine = text.split("\n")[0] ?? text;
  return firstLine.length > 120 ? `${firstLine.slice(0, 117)}...` : firstLine;
}

export class OpcuaClientLink extends Link implements OpcuaLink {
  readonly endpointUrl: string;
  private readonly cfg: Required<Omit<OpcuaLinkConfig, "identity">> & { identity: OpcuaIdentity };
  private closing = true;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private endPhase: ((cause: string) => void) | undefined;
  private client: OPCUAClient | undefined;
  private session: ClientSession | undefined;
  private subscription: ClientSubscription | undefined;
  private certificateManager: OPCUACertificateManager | undefined;
  /** True while the session is usable (between set-up / restore and a loss). */
  private up = false;
  private readonly entries = new Map<number, Entry>();
  private nextHandle = 1;
  private generation = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly logged = new Map<string, number>();

  constructor(
    config: OpcuaLinkConfig,
    private readonly log: LinkLog,
  ) {
    super();
    this.endpointUrl = config.endpointUrl;
    this.cfg = {
      publishingIntervalMs: 250,
      keepAliveMs: 5000,
      sessionTimeoutMs: 60_000,
      reconnectInitialDelayMs: 500,
      reconnectMaxDelayMs: 10_000,
      logRepeatMs: 60_000,
      ...config,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Link

  protected open(): void {
    this.closing = false;
    this.loop = this.run().catch((err: unknown) => this.logOnce("error", `unexpected: ${causeOf(err)}`));
  }

  protected async close(): Promise<void> {
    this.closing = true;
    this.wake?.();
    this.endPhase?.("closed");
    // A connect or session creation still pending against a peer that never answers would hold
    // the loop until node-opcua's own timeouts (minutes): abort it.
    if (!this.session) void this.client?.disconnect().catch(() => undefined);
    await this.loop;
    this.loop = undefined;
    this.setStatus({ state: "disconnected", detail: `${this.endpointUrl}: closed` });
  }

  // -------------------------------------------------------------------------------------------
  // OpcuaLink

  monitor(items: OpcuaItem[], callbacks: OpcuaMonitorCallbacks): OpcuaMonitor {
    const state: MonitorState = { callbacks, entries: [], closed: false, batch: undefined };
    items.forEach((item, index) => {
      const entry: Entry = {
        handle: this.nextHandle++,
        index,
        item,
        monitor: state,
        serverId: undefined,
        failedGeneration: -1,
      };
      state.entries.push(entry);
      this.entries.set(entry.handle, entry);
    });
    this.enqueue(() => this.createMissing());
    return {
      close: async () => {
        if (state.closed) return;
        state.closed = true;
        for (const e of state.entries) this.entries.delete(e.handle);
        const ids = state.entries.flatMap((e) => (e.serverId === undefined ? [] : [e.serverId]));
        // Items of an earlier subscription went with it; items the server still holds after a
        // repair are deleted by reconcile (they are unknown handles now).
        const sub = this.subscription;
        try {
          await this.enqueueAndWait(() =>
            this.subscription === sub ? this.deleteOnServer(ids) : Promise.resolve(),
          );
        } catch (err) {
          this.logOnce("warn", `${this.endpointUrl}: deleting monitored items failed: ${causeOf(err)}`);
        }
      },
    };
  }

  async write(items: OpcuaWrite[]): Promise<OpcuaWriteResult[]> {
    const session = this.usableSession();
    const results: OpcuaWriteResult[] = new Array(items.length);
    const toSend: Array<{
      at: number;
      nodeId: NodeId;
      variant: { dataType: DataType; arrayType?: VariantArrayType; value: unknown };
    }> = [];
    items.forEach((w, at) => {
      const dataType = (DataType as unknown as Record<string, DataType | undefined>)[w.dataType];
      if (typeof dataType !== "number" || dataType === DataType.Null) {
        results[at] = { statusCode: 0x80740000, statusName: "BadTypeMismatch" };
        return;
      }
      let nodeId: NodeId;
      try {
        nodeId = resolveNodeId(w.nodeId);
      } catch {
        results[at] = { statusCode: 0x80330000, statusName: "BadNodeIdInvalid" };
        return;
      }
      const array = Array.isArray(w.value);
      toSend.push({
        at,
        nodeId,
        variant: {
          dataType,
          ...(array ? { arrayType: VariantArrayType.Array } : {}),
          value: array ? (w.value as unknown[]).map((v) => toWire(dataType, v)) : toWire(dataType, w.value),
        },
      });
    });
    if (toSend.length > 0) {
      let codes: StatusCode[];
      try {
        codes = await session.write(
          toSend.map((s) => ({
            nodeId: s.nodeId,
            attributeId: AttributeIds.Value,
            value: { value: s.variant },
          })),
        );
      } catch (err) {
        throw new Error(`${this.endpointUrl}: write failed: ${causeOf(err)}`);
      }
      toSend.forEach((s, i) => {
        const code = codes[i];
        results[s.at] = code
          ? { statusCode: code.value, statusName: code.name }
          : { statusCode: 0x80010000, statusName: "BadUnexpectedError" };
      });
    }
    return results;
  }

  async browse(nodeId: string): Promise<BrowseEntry[]> {
    const session = this.usableSession();
    try {
      const references: ReferenceDescription[] = [];
      let result: BrowseResult = await session.browse({
        nodeId: resolveNodeId(nodeId),
        browseDirection: BrowseDirection.Forward,
        referenceTypeId: "HierarchicalReferences",
        includeSubtypes: true,
        nodeClassMask: 0,
        resultMask: 63,
      });
      for (let guard = 0; guard < 1000; guard++) {
        if (result.statusCode.isNotGood()) throw new Error(result.statusCode.name);
        references.push(...(result.references ?? []));
        if (!result.continuationPoint || result.continuationPoint.length === 0) break;
        result = await session.browseNext(result.continuationPoint, false);
      }
      const children = references.filter((r) => r.isForward);
      const childIds = children.map((r) => r.nodeId);
      const hasChildren =
        childIds.length === 0
          ? []
          : await session.browse(
              childIds.map((id) => ({
                nodeId: id,
                browseDirection: BrowseDirection.Forward,
                referenceTypeId: "HierarchicalReferences",
                includeSubtypes: true,
                nodeClassMask: 0,
                resultMask: 0,
              })),
            );
      for (const r of hasChildren) {
        if (r.continuationPoint && r.continuationPoint.length > 0) {
          await session.browseNext(r.continuationPoint, true).catch(() => undefined);
        }
      }
      const variables = children.filter((r) => r.nodeClass === NodeClass.Variable);
      const dataTypeIds =
        variables.length === 0
          ? []
          : await session.read(
              variables.map((r) => ({ nodeId: r.nodeId, attributeId: AttributeIds.DataType })),
            );
      const typeNames = await this.dataTypeNames(
        session,
        dataTypeIds.map((dv) => dv.value.value as NodeId | null),
      );
      const typeOf = new Map<ReferenceDescription, string>();
      variables.forEach((r, i) => {
        const name = typeNames[i];
        if (name) typeOf.set(r, name);
      });
      return children.map((r, i) => {
        const entry: BrowseEntry = {
          nodeId: r.nodeId.toString(),
          browseName: r.browseName.name ?? "",
          displayName: r.displayName.text ?? r.browseName.name ?? "",
          nodeClass: NodeClass[r.nodeClass] ?? String(r.nodeClass),
          hasChildren: (hasChildren[i]?.references?.length ?? 0) > 0,
        };
        const dataType = typeOf.get(r);
        if (dataType) entry.dataType = dataType;
        return entry;
      });
    } catch (err) {
      throw new Error(`${this.endpointUrl}: browse ${nodeId} failed: ${causeOf(err)}`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Connection loop

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.closing) {
      this.setStatus({ state: "connecting", detail: this.endpointUrl });
      let cause: string;
      try {
        await this.connectOnce();
        if (this.closing) break;
        // The log de-dup is kept and the backoff reset only once the session proved stable: a
        // server that accepts and drops at once must not get a reconnect and a log line per cycle.
        const since = Date.now();
        this.logOnce("info", `connected to ${this.endpointUrl}`);
        cause = await new Promise<string>((resolve) => {
          this.endPhase = resolve;
        });
        this.endPhase = undefined;
        if (Date.now() - since >= STABLE_SESSION_MS) failures = 0;
        failures++;
        if (!this.closing) this.logOnce("warn", `session to ${this.endpointUrl} ended: ${cause}`);
      } catch (err) {
        cause = causeOf(err);
        failures++;
        if (!this.closing) this.logOnce("warn", `cannot connect to ${this.endpointUrl}: ${cause}`);
      }
      await this.teardown();
      if (this.closing) break;
      this.setStatus({ state: "disconnected", detail: `${this.endpointUrl}: ${cause}` });
      const delay = Math.min(
        this.cfg.reconnectMaxDelayMs,
        this.cfg.reconnectInitialDelayMs * 2 ** Math.min(Math.max(failures - 1, 0), 20),
      );
      await this.sleep(delay);
    }
    await this.teardown();
    await this.disposeCertificateManager();
  }

  private async connectOnce(): Promise<void> {
    const cm = await this.certificates();
    if (this.closing) return;
    const identity = await this.userIdentity();
    if (this.closing) return;
    const client = OPCUAClient.create({
      applicationName: "mfgkit-node-red",
      clientName: `mfgkit ${this.endpointUrl}`,
      clientCertificateManager: cm,
      securityMode: MessageSecurityMode[this.cfg.securityMode],
      securityPolicy: SecurityPolicy[this.cfg.securityPolicy],
      endpointMustExist: false,
      keepSessionAlive: true,
      keepAliveInterval: this.cfg.keepAliveMs,
      requestedSessionTimeout: this.cfg.sessionTimeoutMs,
      transportTimeout: Math.max(MIN_TRANSPORT_TIMEOUT_MS, 2 * this.cfg.keepAliveMs),
      // maxRetry > 0 turns node-opcua's reconnection (infinite, with these delays) on once
      // connected; the first connection fails after one retry and our loop backs off with the cause.
      connectionStrategy: {
        maxRetry: 1,
        initialDelay: this.cfg.reconnectInitialDelayMs,
        maxDelay: this.cfg.reconnectMaxDelayMs,
        randomisationFactor: 0.1,
      },
    });
    this.client = client;
    client.on("backoff", () => {
      if (this.up || this.closing) return;
      this.logOnce("info", `${this.endpointUrl}: unreachable, retrying with backoff`);
    });
    client.on("connection_lost", () => {
      if (this.client !== client || this.closing) return;
      this.up = false;
      this.setStatus({ state: "disconnected", detail: `${this.endpointUrl}: connection lost` });
      this.logOnce("warn", `connection to ${this.endpointUrl} lost; reconnecting`);
    });
    client.on("start_reconnection", () => {
      if (this.client !== client || this.closing) return;
      this.up = false;
    });
    client.on("connection_reestablished", () => {
      if (this.client !== client || this.closing) return;
      this.setStatus({ state: "connecting", detail: `${this.endpointUrl}: reconnected, restoring session` });
      this.log.info(`${this.endpointUrl}: connection re-established`);
    });
    client.on("reconnection_attempt_has_failed", (err: Error) => {
      if (this.client !== client || this.closing) return;
      this.setStatus({ state: "disconnected", detail: `${this.endpointUrl}: ${causeOf(err)}` });
    });
    client.on("close", (err?: Error | null) => {
      if (this.client !== client || this.closing || !err) return;
      this.up = false;
      this.endPhase?.(causeOf(err));
    });

    await client.connect(this.endpointUrl);
    if (this.closing) return;
    const session = await client.createSession(identity);
    this.session = session;
    session.on("session_closed", (statusCode: StatusCode) => {
      if (this.session !== session || this.closing) return;
      this.up = false;
      this.endPhase?.(`session closed (${statusCode?.name ?? "?"})`);
    });
    session.on("keepalive_failure", () => {
      if (this.session !== session || this.closing) return;
      this.logOnce("warn", `${this.endpointUrl}: session keep-alive failed`);
    });
    session.on("session_restored", () => {
      if (this.session !== session || this.closing) return;
      this.log.info(`${this.endpointUrl}: session restored`);
      this.enqueue(() => this.reconcile());
    });
    session.on("session_repaired_failed", (err: Error) => {
      if (this.session !== session || this.closing) return;
      this.setStatus({ state: "disconnected", detail: `${this.endpointUrl}: ${causeOf(err)}` });
      this.logOnce("warn", `${this.endpointUrl}: session repair failed: ${causeOf(err)}; retrying`);
    });
    await this.enqueueAndWait(async () => {
      await this.newSubscription(session);
      await this.createMissing();
    });
    // The connection may have dropped during the set-up: node-opcua repairs it and
    // session_restored reports "connected" after reconcile.
    if (this.closing || client.isReconnecting) return;
    this.up = true;
    this.setStatus({ state: "connected", detail: this.endpointUrl });
  }

  private async teardown(): Promise<void> {
    this.up = false;
    const client = this.client;
    const session = this.session;
    this.client = undefined;
    this.session = undefined;
    this.subscription = undefined;
    for (const e of this.entries.values()) e.serverId = undefined;
    if (session && client && !client.isReconnecting) {
      await settle(session.close(true), CLOSE_TIMEOUT_MS);
    }
    if (client) await settle(client.disconnect(), CLOSE_TIMEOUT_MS);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).then(() => {
      this.wake = undefined;
    });
  }

  private async certificates(): Promise<OPCUACertificateManager> {
    if (!this.certificateManager) {
      this.certificateManager = new OPCUACertificateManager({
        rootFolder: this.cfg.pkiDir,
        automaticallyAcceptUnknownCertificate: false,
        disableFileWatchers: true,
      });
      await this.certificateManager.initialize();
    } else {
      // Certificates trusted in the meantime (admin API or by moving the file) count at once.
      await this.certificateManager.reloadCertificates();
    }
    return this.certificateManager;
  }

  private async disposeCertificateManager(): Promise<void> {
    const cm = this.certificateManager;
    this.certificateManager = undefined;
    if (cm) {
      cm.referenceCounter = 0;
      await settle(cm.dispose(), CLOSE_TIMEOUT_MS);
    }
  }

  private async userIdentity(): Promise<UserIdentityInfo> {
    const id = this.cfg.identity;
    switch (id.type) {
      case "anonymous":
        return { type: UserTokenType.Anonymous };
      case "username":
        return { type: UserTokenType.UserName, userName: id.user, password: id.password };
      case "certificate": {
        let certificateData: Buffer;
        try {
          certificateData = derOf(await fsp.readFile(id.certificateFile));
        } catch (err) {
          throw new Error(`cannot read user certificate ${id.certificateFile}: ${causeOf(err)}`);
        }
        return { type: UserTokenType.Certificate, certificateData, privateKey: id.privateKey };
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Subscription and items (every server-side change runs in `queue`, one at a time)

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((err: unknown) => {
      this.logOnce("warn", `${this.endpointUrl}: ${causeOf(err)}`);
    });
  }

  private enqueueAndWait(task: () => Promise<void>): Promise<void> {
    let failure: unknown;
    let failed = false;
    const run = this.queue.then(task).catch((err: unknown) => {
      failed = true;
      failure = err;
    });
    this.queue = run;
    return run.then(() => {
      if (failed) throw failure;
    });
  }

  private async newSubscription(session: ClientSession): Promise<void> {
    const publishingInterval = this.cfg.publishingIntervalMs;
    const maxKeepAliveCount = Math.max(3, Math.ceil(this.cfg.keepAliveMs / publishingInterval));
    const lifetimeCount = Math.max(
      3 * maxKeepAliveCount,
      Math.ceil(this.cfg.sessionTimeoutMs / publishingInterval),
    );
    const subscription = await session.createSubscription2({
      requestedPublishingInterval: publishingInterval,
      requestedMaxKeepAliveCount: maxKeepAliveCount,
      requestedLifetimeCount: lifetimeCount,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 1,
    });
    // Our items are not ClientMonitoredItems: skip node-opcua's per-item dispatch (it would only
    // warn about unknown client handles); we read the raw notification messages instead.
    Reflect.set(subscription, "__on_publish_response_DataChangeNotification", () => undefined);
    subscription.on("raw_notification", (message: NotificationMessage) => {
      try {
        this.dispatch(message);
      } catch (err) {
        this.logOnce("error", `${this.endpointUrl}: cannot dispatch a notification: ${causeOf(err)}`);
      }
    });
    subscription.on("terminated", () => {
      if (this.subscription !== subscription || this.closing) return;
      this.subscription = undefined;
      this.logOnce("warn", `${this.endpointUrl}: subscription terminated; creating a new one`);
      this.enqueue(() => this.reconcile());
    });
    subscription.on("internal_error", (err: Error) => {
      this.logOnce("warn", `${this.endpointUrl}: subscription error: ${causeOf(err)}`);
    });
    this.subscription = subscription;
    this.generation++;
    for (const e of this.entries.values()) e.serverId = undefined;
  }

  /** After a repair: make the server's items of our subscription equal to ours, then report. */
  private async reconcile(): Promise<void> {
    const session = this.session;
    if (!session || this.closing) return;
    let subscription = this.subscription;
    if (subscription && subscription.subscriptionId > 0) {
      let data: { serverHandles: Uint32Array | number[]; clientHandles: Uint32Array | number[] } | undefined;
      try {
        data = await (session as RawSession).getMonitoredItems(subscription.subscriptionId);
      } catch (err) {
        const cause = causeOf(err);
        if (/BadSubscriptionIdInvalid/.test(cause)) subscription = undefined;
        else
          this.logOnce("warn", `${this.endpointUrl}: GetMonitoredItems failed (${cause}); recreating items`);
      }
      this.generation++;
      if (data && subscription) {
        const onServer = new Map<number, number>();
        const extra: number[] = [];
        for (let i = 0; i < data.clientHandles.length; i++) {
          const client = Number(data.clientHandles[i]);
          const server = Number(data.serverHandles[i]);
          if (this.entries.has(client) && !onServer.has(client)) onServer.set(client, server);
          else extra.push(server);
        }
        for (const e of this.entries.values()) e.serverId = onServer.get(e.handle);
        await this.deleteOnServer(extra);
      } else if (subscription) {
        // Unknown state: delete what we think exists, then create everything once.
        const ids = [...this.entries.values()].flatMap((e) => (e.serverId === undefined ? [] : [e.serverId]));
        await this.deleteOnServer(ids);
        for (const e of this.entries.values()) e.serverId = undefined;
      }
    }
    if (!subscription || subscription.subscriptionId <= 0) {
      if (this.subscription) await settle(this.subscription.terminate(), CLOSE_TIMEOUT_MS);
      await this.newSubscription(session);
    }
    await this.createMissing();
    if (this.closing || this.session !== session) return;
    this.up = true;
    this.setStatus({ state: "connected", detail: this.endpointUrl });
  }

  private async createMissing(): Promise<void> {
    const session = this.session;
    const subscription = this.subscription;
    if (!session || !subscription || subscription.subscriptionId <= 0 || this.closing) return;
    // During a repair node-opcua would hold the request until the channel is back, blocking the
    // queue (and every monitor.close) for the whole outage; reconcile creates them on restore.
    if (session.isReconnecting) return;
    const generation = this.generation;
    const todo: Entry[] = [];
    for (const e of this.entries.values()) {
      if (e.serverId === undefined && e.failedGeneration !== generation && !e.monitor.closed) todo.push(e);
    }
    for (let start = 0; start < todo.length; start += CHUNK) {
      const chunk = todo.slice(start, start + CHUNK);
      const requests: MonitoredItemCreateRequestOptions[] = [];
      const sent: Entry[] = [];
      for (const e of chunk) {
        const request = createRequest(e);
        if (request) {
          requests.push(request);
          sent.push(e);
        } else {
          e.failedGeneration = generation;
          this.itemError(e, "BadNodeIdInvalid");
        }
      }
      if (requests.length === 0) continue;
      const response = await (session as RawSession).createMonitoredItems({
        subscriptionId: subscription.subscriptionId,
        timestampsToReturn: TimestampsToReturn.Both,
        itemsToCreate: requests,
      });
      const results = response.results ?? [];
      const late: number[] = [];
      sent.forEach((e, i) => {
        const r = results[i];
        if (r?.statusCode.isGood()) {
          if (e.monitor.closed || this.subscription !== subscription) late.push(r.monitoredItemId);
          else e.serverId = r.monitoredItemId;
        } else {
          e.failedGeneration = generation;
          this.itemError(e, r ? r.statusCode.name : "BadUnexpectedError");
        }
      });
      if (late.length > 0 && this.subscription === subscription) await this.deleteOnServer(late);
    }
  }

  private async deleteOnServer(ids: number[]): Promise<void> {
    const session = this.session;
    const subscription = this.subscription;
    // Not `!this.up`: reconcile deletes extra items before the link reports "connected" again.
    // During a repair the request would be held until the channel is back (blocking the queue);
    // reconcile deletes what is left then, as items with unknown handles.
    if (ids.length === 0 || !session || !subscription || subscription.subscriptionId <= 0) return;
    if (session.isReconnecting) return;
    for (let start = 0; start < ids.length; start += CHUNK) {
      await (session as RawSession).deleteMonitoredItems({
        subscriptionId: subscription.subscriptionId,
        monitoredItemIds: ids.slice(start, start + CHUNK),
      });
    }
  }

  private itemError(e: Entry, statusName: string): void {
    if (e.monitor.closed) return;
    try {
      e.monitor.callbacks.itemError(e.index, statusName);
    } catch (err) {
      this.logOnce("error", `itemError callback failed: ${causeOf(err)}`);
    }
  }

  private dispatch(message: NotificationMessage): void {
    const data = message.notificationData;
    if (!data || data.length === 0) return;
    const touched: MonitorState[] = [];
    for (const n of data) {
      if (!(n instanceof DataChangeNotification)) continue;
      const items = n.monitoredItems;
      if (!items) continue;
      for (const m of items) {
        const e = this.entries.get(m.clientHandle);
        if (!e || e.monitor.closed) continue;
        const monitor = e.monitor;
        if (!monitor.batch) {
          monitor.batch = [];
          touched.push(monitor);
        }
        monitor.batch.push({ index: e.index, value: toOpcuaValue(m.value) });
      }
    }
    for (const monitor of touched) {
      const batch = monitor.batch ?? [];
      monitor.batch = undefined;
      try {
        monitor.callbacks.changes(batch);
      } catch (err) {
        this.logOnce("error", `changes callback failed: ${causeOf(err)}`);
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Helpers

  private usableSession(): ClientSession {
    const session = this.session;
    if (!session || !this.up) throw new Error(`${this.endpointUrl}: not connected`);
    return session;
  }

  private async dataTypeNames(
    session: ClientSession,
    ids: Array<NodeId | null>,
  ): Promise<Array<string | undefined>> {
    const names: Array<string | undefined> = ids.map((id) => {
      if (!id) return undefined;
      if (id.namespace === 0 && typeof id.value === "number") {
        const builtin = DataType[id.value];
        if (builtin && id.value <= 25) return builtin;
      }
      return undefined;
    });
    const unknown: number[] = [];
    ids.forEach((id, i) => {
      if (id && names[i] === undefined) unknown.push(i);
    });
    if (unknown.length > 0) {
      const read = await session.read(
        unknown.map((i) => ({ nodeId: ids[i] as NodeId, attributeId: AttributeIds.BrowseName })),
      );
      unknown.forEach((at, k) => {
        const qn = read[k]?.value.value as { name?: string } | null | undefined;
        if (qn?.name) names[at] = qn.name;
      });
    }
    return names;
  }

  /** A status listener threw (see Link.setStatus). */
  protected override listenerFailed(err: unknown): void {
    this.log.error(`${this.endpointUrl}: a status listener failed: ${causeOf(err)}`);
  }

  /** Logs a line unless the same line was logged less than `logRepeatMs` ago. */
  private logOnce(level: "info" | "warn" | "error", text: string): void {
    const now = Date.now();
    const last = this.logged.get(text);
    if (last !== undefined && now - last < this.cfg.logRepeatMs) return;
    if (this.logged.size > 100) this.logged.clear();
    this.logged.set(text, now);
    this.log[level](text);
  }
}

/** Waits for `promise` at most `ms`, ignoring its failure. */
async function settle(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

function createRequest(e: Entry): MonitoredItemCreateRequestOptions | undefined {
  let nodeId: NodeId;
  try {
    nodeId = resolveNodeId(e.item.nodeId);
  } catch {
    return undefined;
  }
  const deadband = e.item.deadband;
  return {
    itemToMonitor: { nodeId, attributeId: AttributeIds.Value },
    monitoringMode: MonitoringMode.Reporting,
    requestedParameters: {
      clientHandle: e.handle,
      samplingInterval: e.item.samplingIntervalMs,
      queueSize: e.item.queueSize,
      discardOldest: true,
      filter: deadband
        ? new DataChangeFilter({
            trigger: DataChangeTrigger.StatusValue,
            deadbandType: deadband.type === "percent" ? DeadbandType.Percent : DeadbandType.Absolute,
            deadbandValue: deadband.value,
          })
        : null,
    },
  };
}

const TWO_32 = 4294967296;

function int64(v: unknown, signed: boolean): unknown {
  if (Array.isArray(v) && v.length === 2) {
    const high = Number(v[0]);
    const low = Number(v[1]);
    return (signed && high >= 0x80000000 ? high - TWO_32 : high) * TWO_32 + low;
  }
  if (typeof v === "bigint") return Number(v);
  return v;
}

/** One scalar of a Variant as plain JavaScript (see OpcuaValue). */
function plain(dataType: DataType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (dataType) {
    case DataType.Int64:
      return int64(v, true);
    case DataType.UInt64:
      return int64(v, false);
    case DataType.DateTime:
      return v instanceof Date ? v.getTime() : v;
    case DataType.LocalizedText:
      return (v as { text?: string | null }).text ?? null;
    case DataType.QualifiedName:
      return (v as { name?: string | null }).name ?? null;
    case DataType.NodeId:
    case DataType.ExpandedNodeId:
    case DataType.Guid:
      return String(v);
    case DataType.ByteString:
      return Buffer.isBuffer(v) ? v.toString("base64") : v;
    case DataType.StatusCode:
      return (v as { value?: number }).value ?? v;
    case DataType.Variant:
      return toPlainVariant(v as Variant);
    case DataType.ExtensionObject: {
      const json = (v as { toJSON?: () => unknown }).toJSON;
      return typeof json === "function" ? json.call(v) : v;
    }
    default:
      return v;
  }
}

function toPlainVariant(variant: Variant): unknown {
  const { dataType, arrayType, value } = variant;
  if (arrayType === VariantArrayType.Scalar || arrayType === undefined) return plain(dataType, value);
  if (value === null || value === undefined) return [];
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>);
  }
  return (value as unknown[]).map((x) => plain(dataType, x));
}

/** A DataValue as the link contract's OpcuaValue. */
export function toOpcuaValue(dv: DataValue): OpcuaValue {
  const variant = dv.value;
  const dataType = variant ? variant.dataType : DataType.Null;
  const out: OpcuaValue = {
    value: variant && dataType !== DataType.Null ? toPlainVariant(variant) : null,
    dataType: DataType[dataType] ?? "Null",
    statusCode: dv.statusCode.value,
    statusName: dv.statusCode.name,
  };
  if (dv.sourceTimestamp) out.sourceTs = dv.sourceTimestamp.getTime();
  if (dv.serverTimestamp) out.serverTs = dv.serverTimestamp.getTime();
  return out;
}

/** A JSON value to the form node-opcua writes for `dataType`. */
function toWire(dataType: DataType, v: unknown): unknown {
  switch (dataType) {
    case DataType.DateTime:
      return typeof v === "number" || typeof v === "string" ? new Date(v) : v;
    case DataType.ByteString:
      return typeof v === "string" ? Buffer.from(v, "base64") : v;
    case DataType.NodeId:
      return typeof v === "string" ? resolveNodeId(v) : v;
    default:
      return v;
  }
}

/** DER of a certificate file's content, PEM or DER. */
export function derOf(content: Buffer): Buffer {
  const text = content.toString("latin1");
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(text);
  return m?.[1] ? Buffer.from(m[1].replace(/\s+/g, ""), "base64") : content;
}

// ---------------------------------------------------------------------------------------------
// Server certificates of the client PKI (for the admin API)

export interface ServerCertificateInfo {
  /** "rejected" or "trusted". */
  store: "rejected" | "trusted";
  /** File name in the store folder. */
  file: string;
  subject: string;
  /** Common name (CN) of the subject, when there is one. */
  commonName: string;
  /** SHA-1 thumbprint, hex, lower case (as OPC UA shows it). */
  thumbprint: string;
  validFrom: string;
  validTo: string;
}

function pkiStore(pkiDir: string, store: "rejected" | "trusted"): string {
  return store === "rejected" ? join(pkiDir, "rejected") : join(pkiDir, "trusted", "certs");
}

/** The rejected and trusted server certificates in the PKI folder. */
export async function listServerCertificates(pkiDir: string): Promise<ServerCertificateInfo[]> {
  const out: ServerCertificateInfo[] = [];
  for (const store of ["rejected", "trusted"] as const) {
    const folder = pkiStore(pkiDir, store);
    if (!existsSync(folder)) continue;
    for (const file of (await fsp.readdir(folder)).sort()) {
      if (!/\.(pem|der|crt|cer)$/i.test(file)) continue;
      try {
        const der = derOf(await fsp.readFile(join(folder, file)));
        const x = new X509Certificate(der);
        const cn = /(?:^|\n)CN=([^\n]*)/.exec(x.subject);
        out.push({
          store,
          file,
          subject: x.subject.replace(/\n/g, ", "),
          commonName: cn?.[1] ?? "",
          thumbprint: x.fingerprint.replace(/:/g, "").toLowerCase(),
          validFrom: new Date(x.validFrom).toISOString(),
          validTo: new Date(x.validTo).toISOString(),
        });
      } catch {
        // not a certificate: not listed
      }
    }
  }
  return out;
}

/**
 * Trusts a rejected server certificate given by its file name or thumbprint: moves it from
 * `<pki>/rejected` to `<pki>/trusted/certs` (node-opcua's CertificateManager.trustCertificate).
 * Returns false when there is no such rejected certificate.
 */
export async function trustServerCertificate(pkiDir: string, fileOrThumbprint: string): Promise<boolean> {
  const list = await listServerCertificates(pkiDir);
  const key = fileOrThumbprint.toLowerCase();
  const found = list.find(
    (c) => c.store === "rejected" && (c.file === fileOrThumbprint || c.thumbprint === key),
  );
  if (!found) return false;
  const der = derOf(await fsp.readFile(join(pkiStore(pkiDir, "rejected"), found.file)));
  const cm = new OPCUACertificateManager({
    rootFolder: pkiDir,
    automaticallyAcceptUnknownCertificate: false,
    disableFileWatchers: true,
  });
  try {
    await cm.initialize();
    await cm.trustCertificate(der);
  } finally {
    await settle(cm.dispose(), CLOSE_TIMEOUT_MS);
  }
  return true;
}
