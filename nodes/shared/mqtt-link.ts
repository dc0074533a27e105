/**
 * The shared MQTT client of one `mfg-mqtt-broker` (the `MqttLink` contract of link.ts), on
 * mqtt.js 5.
 *
 * - One connection at a time. mqtt.js's own reconnect (a fixed-period interval) is off: after a
 *   lost or refused connection the link waits `reconnectPeriodMs`, doubling after each failed
 *   attempt up to `maxReconnectPeriodMs`, and connects with a fresh mqtt.js client, so no state of
 *   a dead connection (stores, timers, message ids) leaks into the next one.
 * - Subscriptions are kept here, not in mqtt.js (`resubscribe: false`): each distinct filter is
 *   subscribed once at the broker with the highest QoS its users asked for, whatever the number
 *   of users, and unsubscribed when its last user closes. After every CONNACK without a resumed
 *   session each filter is subscribed again, once; with a resumed session (cleanSession false and
 *   sessionPresent) only the filters the broker has not acknowledged yet.
 * - Each message goes to the users whose filter matches its topic, once per user: with MQTT 5
 *   every filter carries its own subscription identifier, so a broker that sends one copy per
 *   matching subscription (mosquitto does) reaches each filter's users with exactly one copy.
 *   MQTT 3.1.1 has no identifiers: a copy goes to every matching user, which is right for brokers
 *   that send one copy for overlapping subscriptions of a client (mosquitto 2 does for 3.1.1).
 * - `publish` rejects at once with "<url>: not connected" while offline (nothing is queued inside
 *   mqtt.js: callers keep what must not be lost), resolves on PUBACK (QoS 1) / PUBCOMP (QoS 2) /
 *   write (QoS 0), and rejects when the connection drops before the acknowledgement.
 * - Socket, TLS and protocol errors never escape: they become a `disconnected` status naming the
 *   URL and the cause, and a warning in the log, repeated identical warnings at most once a minute.
 */
import mqtt, {
  type IClientOptions,
  type IClientSubscribeOptions,
  type IConnackPacket,
  type IDisconnectPacket,
  type IPublishPacket,
  type MqttClient,
} from "mqtt";
import { topicFilterProblem, topicMatches, topicNameProblem } from "../../lib/mqtt-topic";
import { Link, type LinkLog, type MqttLink, type MqttMessage, type MqttSubscription, type Qos } from "./link";

export interface MqttTlsOptions {
  /** PEM CA certificate(s) to trust instead of the system's. */
  ca?: string | Buffer;
  /** PEM client certificate (mutual TLS); needs `key`. */
  cert?: string | Buffer;
  /** PEM private key of the client certificate. */
  key?: string | Buffer;
  /** Passphrase of an encrypted `key`. */
  passphrase?: string;
  /** Refuse a broker whose certificate does not verify (default true). */
  rejectUnauthorized?: boolean;
}

export interface MqttLinkOptions {
  /** mqtt://, mqtts://, ws:// or wss:// URL, without user name or password. */
  url: string;
  clientId: string;
  /** 4 = MQTT 3.1.1, 5 = MQTT 5. */
  protocolVersion: 4 | 5;
  keepaliveS: number;
  cleanSession: boolean;
  username?: string;
  password?: string;
  /** Used for mqtts:// and wss:// only. */
  tls?: MqttTlsOptions;
  /** Wait before the first reconnect attempt; doubles after each failed attempt. */
  reconnectPeriodMs: number;
  /** Longest wait between attempts (default 60 s, never below reconnectPeriodMs). */
  maxReconnectPeriodMs?: number;
  /** How long a connection attempt may take until CONNACK (default 10 s). */
  connectTimeoutMs?: number;
}

export const DEFAULT_MAX_RECONNECT_MS = 60_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Identical warnings are logged at most once in this interval. */
const LOG_REPEAT_MS = 60_000;
/** Bound on waiting for UNSUBACK or a graceful DISCONNECT. */
const ACK_WAIT_MS = 5_000;
const MAX_SUBSCRIPTION_ID = 268_435_455;
/**
 * A connection counts as stable, and resets the backoff, only after staying up this long: a
 * broker that accepts and drops at once (e.g. a client-id takeover) must not get a reconnect
 * every `reconnectPeriodMs`.
 */
const STABLE_CONNECTION_MS = 30_000;

interface User {
  qos: Qos;
  onMessage: (message: MqttMessage) => void;
}

interface FilterEntry {
  filter: string;
  /** MQTT 5 subscription identifier. */
  id: number;
  users: Set<User>;
  /** QoS the broker acknowledged in the current (or resumed) session. */
  ackedQos?: Qos;
  /** QoS of a SUBSCRIBE sent in the current connection, not acknowledged yet. */
  pendingQos?: Qos;
  /** The broker refused this filter on the current connection: not retried until reconnect. */
  refused?: boolean;
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/** The `MqttLink` of one broker. */
export class MqttClientLink extends Link implements MqttLink {
  readonly url: string;
  private readonly options: MqttLinkOptions;
  private readonly log: LinkLog;
  private client: MqttClient | undefined;
  private closing = true;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** When the current connection got its CONNACK. */
  private connectedAt: number | undefined;
  private lastCause: string | undefined;
  private subscriptionIdsAvailable = false;
  private readonly filters = new Map<string, FilterEntry>();
  private readonly byId = new Map<number, FilterEntry>();
  private nextId = 1;
  /** Filters without users that a resumed session may still hold at the broker. */
  private readonly staleOnBroker = new Set<string>();
  /** Reject functions of publishes waiting for their acknowledgement. */
  private readonly pending = new Set<(cause: string) => void>();
  private lastWarning = { text: "", at: Number.NEGATIVE_INFINITY, suppressed: 0 };
  private lastInfo = { text: "", at: Number.NEGATIVE_INFINITY };

  constructor(options: MqttLinkOptions, log: LinkLog) {
    super();
    this.url = options.url;
    this.options = options;
    this.log = log;
  }

  // -------------------------------------------------------------------------------------------
  // MqttLink

  subscribe(filter: string, qos: Qos, onMessage: (message: MqttMessage) => void): MqttSubscription {
    const problem = topicFilterProblem(filter);
    if (problem !== undefined)
      throw new Error(`invalid MQTT topic filter ${JSON.stringify(filter)}: ${problem}`);
    if (qos !== 0 && qos !== 1 && qos !== 2)
      throw new Error(`invalid QoS ${JSON.stringify(qos)} for ${JSON.stringify(filter)}: must be 0, 1 or 2`);
    let entry = this.filters.get(filter);
    if (entry === undefined) {
      entry = { filter, id: this.newSubscriptionId(), users: new Set() };
      this.filters.set(filter, entry);
      this.byId.set(entry.id, entry);
      this.staleOnBroker.delete(filter);
    }
    const user: User = { qos, onMessage };
    entry.users.add(user);
    this.sync(entry);
    const owner = entry;
    let closed: Promise<void> | undefined;
    return {
      close: () => {
        closed ??= this.removeUser(owner, user);
        return closed;
      },
    };
  }

  publish(topic: string, payload: string | Buffer, options: { qos: Qos; retain: boolean }): Promise<void> {
    const problem = topicNameProblem(topic);
    if (problem !== undefined)
      return Promise.reject(new Error(`${this.url}: cannot publish to ${JSON.stringify(topic)}: ${problem}`));
    const { qos, retain } = options;
    if (qos !== 0 && qos !== 1 && qos !== 2)
      return Promise.reject(new Error(`${this.url}: invalid QoS ${JSON.stringify(qos)}: must be 0, 1 or 2`));
    const client = this.client;
    if (client === undefined || !client.connected)
      return Promise.reject(new Error(`${this.url}: not connected`));
    return new Promise<void>((resolve, reject) => {
      const fail = (cause: string) => {
        this.pending.delete(fail);
        reject(new Error(`${this.url}: publish to ${JSON.stringify(topic)} failed: ${cause}`));
      };
      this.pending.add(fail);
      client.publish(topic, payload, { qos, retain }, (err) => {
        if (!this.pending.has(fail)) return; // already rejected (connection lost or link closed)
        if (err) fail(errorText(err));
        else {
          this.pending.delete(fail);
          resolve();
        }
      });
    });
  }

  // -------------------------------------------------------------------------------------------
  // Link

  protected open(): void {
    this.closing = false;
    this.failures = 0;
    this.connectedAt = undefined;
    this.connect();
  }

  protected async close(): Promise<void> {
    this.closing = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.rejectPending("the link was closed");
    const client = this.client;
    this.client = undefined;
    for (const entry of this.filters.values()) this.forgetBrokerState(entry);
    this.setStatus({ state: "disconnected", detail: `${this.url}: closed` });
    if (client !== undefined) await this.end(client);
  }

  // -------------------------------------------------------------------------------------------
  // Connection

  private connect(): void {
    if (this.closing) return;
    const o = this.options;
    const secure = /^(mqtts|wss):/i.test(o.url);
    const clientOptions: IClientOptions = {
      clientId: o.clientId,
      protocolVersion: o.protocolVersion,
      keepalive: o.keepaliveS,
      clean: o.cleanSession,
      reconnectPeriod: 0, // reconnects are ours, with backoff
      connectTimeout: o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      resubscribe: false, // subscriptions are ours, restored once per session
      queueQoSZero: false,
    };
    if (o.username !== undefined && o.username !== "") clientOptions.username = o.username;
    if (o.password !== undefined && o.password !== "") clientOptions.password = o.password;
    if (secure && o.tls !== undefined) {
      const { ca, cert, key, passphrase, rejectUnauthorized } = o.tls;
      if (ca !== undefined) clientOptions.ca = ca;
      if (cert !== undefined) clientOptions.cert = cert;
      if (key !== undefined) clientOptions.key = key;
      if (passphrase !== undefined && passphrase !== "") Object.assign(clientOptions, { passphrase }); // passed through to tls.connect
      clientOptions.rejectUnauthorized = rejectUnauthorized !== false;
    }
    this.lastCause = undefined;
    this.setStatus({ state: "connecting", detail: this.url });
    let client: MqttClient;
    try {
      client = mqtt.connect(o.url, clientOptions);
    } catch (err) {
      // e.g. an unsupported protocol: report and retry like any other failure
      this.lastCause = errorText(err);
      this.scheduleRetry();
      return;
    }
    this.client = client;
    // Listeners stay attached for the client's whole life (an 'error' without a listener would
    // throw); each checks that the client is still the current one.
    client.on("connect", (connack: IConnackPacket) => this.onConnect(client, connack));
    client.on("message", (topic: string, payload: Buffer, packet: IPublishPacket) =>
      this.onMessage(client, topic, payload, packet),
    );
    client.on("error", (err: Error) => {
      if (client === this.client) this.lastCause = errorText(err);
    });
    client.on("disconnect", (packet: IDisconnectPacket) => {
      if (client !== this.client) return;
      const reason = packet.properties?.reasonString ?? `reason code ${packet.reasonCode ?? 0}`;
      this.lastCause = `disconnected by the broker: ${reason}`;
    });
    client.on("close", () => this.onClose(client));
    // With reconnectPeriod 0 mqtt.js does not emit these; handled for completeness.
    client.on("offline", () => undefined);
    client.on("reconnect", () => undefined);
    client.on("end", () => undefined);
  }

  private onConnect(client: MqttClient, connack: IConnackPacket): void {
    if (client !== this.client || this.closing) return;
    const o = this.options;
    // The backoff is reset in onClose once this connection proved stable, not here.
    this.connectedAt = Date.now();
    this.lastCause = undefined;
    this.subscriptionIdsAvailable =
      o.protocolVersion === 5 && connack.properties?.subscriptionIdentifiersAvailable !== false;
    const resumed = !o.cleanSession && connack.sessionPresent === true;
    for (const entry of this.filters.values()) {
      entry.pendingQos = undefined;
      entry.refused = false;
      if (!resumed) entry.ackedQos = undefined;
    }
    if (!resumed) this.staleOnBroker.clear();
    this.setStatus({ state: "connected", detail: this.url });
    // The warning de-dup is kept: a flapping connection must not log a line per cycle.
    this.info(`${this.url}: connected${resumed ? " (session resumed)" : ""}`);
    for (const filter of this.staleOnBroker) {
      if (!this.filters.has(filter)) client.unsubscribe(filter, () => undefined);
    }
    this.staleOnBroker.clear();
    for (const entry of this.filters.values()) this.sync(entry);
  }

  private onClose(client: MqttClient): void {
    if (client !== this.client) return;
    this.client = undefined;
    if (this.connectedAt !== undefined && Date.now() - this.connectedAt >= STABLE_CONNECTION_MS)
      this.failures = 0;
    this.connectedAt = undefined;
    const cause = this.lastCause ?? "connection closed";
    this.rejectPending(`connection lost before the broker acknowledged (${cause})`);
    for (const entry of this.filters.values()) {
      entry.pendingQos = undefined;
      // Unacknowledged state is unknown now; a resumed session keeps what was acknowledged.
      if (this.options.cleanSession) entry.ackedQos = undefined;
    }
    // Make sure no timer or socket of the dead client stays behind.
    client.end(true, () => undefined);
    if (this.closing) return;
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closing) return;
    const cause = this.lastCause ?? "connection closed";
    this.failures++;
    this.setStatus({ state: "disconnected", detail: `${this.url}: ${cause}` });
    const base = Math.max(1, this.options.reconnectPeriodMs);
    const cap = Math.max(base, this.options.maxReconnectPeriodMs ?? DEFAULT_MAX_RECONNECT_MS);
    const delay = Math.min(cap, base * 2 ** Math.min(this.failures - 1, 30));
    this.warn(
      `${this.url}: ${cause}; retrying in ${Math.round(delay / 100) / 10} s`,
      `${this.url}: ${cause}`,
    );
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, delay);
  }

  /** Graceful DISCONNECT when connected and idle, forced otherwise; bounded either way. */
  private end(client: MqttClient): Promise<void> {
    return new Promise<void>((resolve) => {
      const force = !client.connected || Object.keys(client.outgoing).length > 0;
      const timer = setTimeout(() => {
        client.stream?.destroy();
        resolve();
      }, ACK_WAIT_MS);
      client.end(force, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private rejectPending(cause: string): void {
    for (const fail of [...this.pending]) fail(cause);
  }

  // -------------------------------------------------------------------------------------------
  // Subscriptions

  private newSubscriptionId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = id >= MAX_SUBSCRIPTION_ID ? 1 : id + 1;
      if (!this.byId.has(id)) return id;
    }
  }

  private forgetBrokerState(entry: FilterEntry): void {
    entry.ackedQos = undefined;
    entry.pendingQos = undefined;
    entry.refused = false;
  }

  /** Subscribes `entry` at the broker when connected and not yet covered at the QoS it needs. */
  private sync(entry: FilterEntry): void {
    const client = this.client;
    if (client === undefined || !client.connected || entry.refused || entry.users.size === 0) return;
    let want: Qos = 0;
    for (const user of entry.users) if (user.qos > want) want = user.qos;
    const covered = Math.max(entry.ackedQos ?? -1, entry.pendingQos ?? -1);
    if (covered >= want) return;
    const options: IClientSubscribeOptions = { qos: want };
    if (this.subscriptionIdsAvailable) {
      options.properties = { subscriptionIdentifier: entry.id };
      // A QoS upgrade of a filter the broker already has: no second copy of retained messages.
      if (entry.ackedQos !== undefined) options.rh = 1;
    }
    entry.pendingQos = want;
    client.subscribe(entry.filter, options, (err, granted) => {
      if (client !== this.client || this.filters.get(entry.filter) !== entry || entry.pendingQos !== want)
        return;
      entry.pendingQos = undefined;
      if (err) {
        if (!client.connected || err.message === "Connection closed") return; // resent on reconnect
        entry.refused = true;
        this.warn(`${this.url}: subscribing to ${JSON.stringify(entry.filter)} failed: ${errorText(err)}`);
        return;
      }
      const code = granted?.[0]?.qos ?? 128;
      if (code >= 128) {
        entry.refused = true;
        this.warn(
          `${this.url}: the broker refused the subscription to ${JSON.stringify(entry.filter)} (reason code ${code})`,
        );
        return;
      }
      entry.ackedQos = want;
      this.sync(entry); // a user may have asked for a higher QoS meanwhile
    });
  }

  private removeUser(entry: FilterEntry, user: User): Promise<void> {
    if (!entry.users.delete(user) || entry.users.size > 0) return Promise.resolve();
    if (this.filters.get(entry.filter) !== entry) return Promise.resolve();
    this.filters.delete(entry.filter);
    this.byId.delete(entry.id);
    const atBroker = entry.ackedQos !== undefined || entry.pendingQos !== undefined;
    const client = this.client;
    if (client === undefined || !client.connected) {
      // A persistent session keeps the subscription at the broker: remove it on reconnect.
      if (!this.options.cleanSession) this.staleOnBroker.add(entry.filter);
      return Promise.resolve();
    }
    if (!atBroker) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ACK_WAIT_MS);
      client.unsubscribe(entry.filter, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private onMessage(client: MqttClient, topic: string, payload: Buffer, packet: IPublishPacket): void {
    if (client !== this.client) return;
    const targets = new Set<FilterEntry>();
    const ids = packet.properties?.subscriptionIdentifier;
    if (this.subscriptionIdsAvailable && ids !== undefined) {
      for (const id of Array.isArray(ids) ? ids : [ids]) {
        const entry = this.byId.get(id);
        // The topic check guards against identifiers left from an earlier persistent session.
        if (entry !== undefined && topicMatches(entry.filter, topic)) targets.add(entry);
      }
    } else {
      for (const entry of this.filters.values()) if (topicMatches(entry.filter, topic)) targets.add(entry);
    }
    if (targets.size === 0) return;
    const message: MqttMessage = { topic, payload, qos: packet.qos, retain: packet.retain };
    for (const entry of targets) {
      for (const user of [...entry.users]) {
        const failed = (err: unknown) =>
          this.warn(`${this.url}: a subscriber of ${JSON.stringify(entry.filter)} failed: ${errorText(err)}`);
        try {
          const result: unknown = user.onMessage(message);
          if (result instanceof Promise) result.catch(failed);
        } catch (err) {
          failed(err);
        }
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Logging

  /** A status listener threw (see Link.setStatus). */
  protected override listenerFailed(err: unknown): void {
    this.log.error(`${this.url}: a status listener failed: ${errorText(err)}`);
  }

  /** An info line, unless the same one was logged less than a minute ago. */
  private info(text: string): void {
    const now = Date.now();
    if (text === this.lastInfo.text && now - this.lastInfo.at < LOG_REPEAT_MS) return;
    this.lastInfo = { text, at: now };
    this.log.info(text);
  }

  /** A warning, unless the same one (by `key`) was logged less than a minute ago. */
  private warn(text: string, key = text): void {
    const now = Date.now();
    const last = this.lastWarning;
    if (key === last.text && now - last.at < LOG_REPEAT_MS) {
      last.suppressed++;
      return;
    }
    const repeated =
      key === last.text && last.suppressed > 0
        ? ` (${last.suppressed} more times since the last report)`
        : "";
    this.lastWarning = { text: key, at: now, suppressed: 0 };
    this.log.warn(`${text}${repeated}`);
  }
}
