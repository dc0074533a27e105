/**
 * Links: the connections that config nodes own and every node using them shares
 * (ARCHITECTURE rule 5). One OPC UA session per `mfg-opcua-endpoint`, one MQTT client per
 * `mfg-mqtt-broker`. A link connects when its first user acquires it, reconnects with backoff on
 * its own, reports every state change with the peer and the cause, and never throws from a
 * socket or protocol error: those become a `disconnected` status and a log line.
 */
import { EventEmitter } from "node:events";

export type LinkState = "connecting" | "connected" | "disconnected";

export interface LinkStatus {
  state: LinkState;
  /** Why, in one line naming the peer and the cause, e.g. "opc.tcp://h:4840: BadUserAccessDenied". */
  detail?: string;
}

/** Where a link writes its log lines (the config node's log, warn and error). */
export interface LinkLog {
  info(text: string): void;
  warn(text: string): void;
  error(text: string): void;
}

/** Reference-counted connection with an observable status. */
export abstract class Link extends EventEmitter {
  private users = 0;
  private current: LinkStatus = { state: "disconnected" };

  get status(): LinkStatus {
    return this.current;
  }

  /** Calls `listener` on every status change; returns the function that removes it. */
  onStatus(listener: (status: LinkStatus) => void): () => void {
    this.on("status", listener);
    return () => this.off("status", listener);
  }

  /** A node starts using the link; the first user opens it. */
  acquire(): void {
    this.users++;
    if (this.users === 1) this.open();
  }

  /** A node stops using the link; the last user closes it. */
  async release(): Promise<void> {
    if (this.users === 0) return;
    this.users--;
    if (this.users === 0) await this.close();
  }

  /** Closes the link whoever still uses it (the config node's close handler). */
  async shutdown(): Promise<void> {
    const wasOpen = this.users > 0;
    this.users = 0;
    if (wasOpen) await this.close();
    this.removeAllListeners();
  }

  protected setStatus(status: LinkStatus): void {
    if (status.state === this.current.state && status.detail === this.current.detail) return;
    this.current = status;
    this.emit("status", status);
  }

  /** Connect and keep reconnecting until `close`; report through `setStatus`, never throw. */
  protected abstract open(): void;
  /** Disconnect, stop reconnecting, free every socket and timer. */
  protected abstract close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// OPC UA (mfg-opcua-endpoint)

/** OPC UA DataChangeFilter deadband (OPC 10000-4 7.22.2); percent is of the item's EURange. */
export interface Deadband {
  type: "absolute" | "percent";
  value: number;
}

export interface OpcuaItem {
  /** NodeId in the OPC UA string form, e.g. "ns=1;s=Line.Filler.Speed". */
  nodeId: string;
  samplingIntervalMs: number;
  queueSize: number;
  deadband?: Deadband;
}

/**
 * A value as the server sent it, normalised to plain JavaScript: Int64/UInt64 as number,
 * DateTime as epoch ms, LocalizedText/QualifiedName as their text, NodeId as its string form,
 * ByteString as base64, typed arrays as arrays.
 */
export interface OpcuaValue {
  value: unknown;
  /** Variant DataType name, e.g. "Double"; "Null" when the server sent no value. */
  dataType: string;
  /** The 32-bit status code. */
  statusCode: number;
  /** Its name, e.g. "Good", "UncertainLastUsableValue", "BadNodeIdUnknown". */
  statusName: string;
  sourceTs?: number;
  serverTs?: number;
}

export interface OpcuaChange {
  /** Index into the items given to `monitor`. */
  index: number;
  value: OpcuaValue;
}

export interface OpcuaMonitorCallbacks {
  /** The changes of one publish response for this monitor, in the order the server sent them. */
  changes(changes: OpcuaChange[]): void;
  /** The server refused an item (e.g. "BadNodeIdUnknown"); called at each (re)creation that fails. */
  itemError(index: number, statusName: string): void;
}

export interface OpcuaMonitor {
  close(): Promise<void>;
}

export interface OpcuaWrite {
  nodeId: string;
  /** Variant DataType name to write, e.g. "Double". */
  dataType: string;
  value: unknown;
}

export interface OpcuaWriteResult {
  statusCode: number;
  statusName: string;
}

export interface BrowseEntry {
  nodeId: string;
  browseName: string;
  displayName: string;
  /** "Object", "Variable", "Method", ... */
  nodeClass: string;
  /** Variant DataType name of a Variable, when known. */
  dataType?: string;
  hasChildren: boolean;
}

/** The shared OPC UA session of one endpoint. */
export interface OpcuaLink extends Link {
  readonly endpointUrl: string;
  /**
   * Registers monitored items; they are created when the session is up and exist exactly once
   * on the server, also after a reconnect or a server restart. Returns at once.
   */
  monitor(items: OpcuaItem[], callbacks: OpcuaMonitorCallbacks): OpcuaMonitor;
  write(items: OpcuaWrite[]): Promise<OpcuaWriteResult[]>;
  /** The children of a node (hierarchical references, forward). */
  browse(nodeId: string): Promise<BrowseEntry[]>;
}

// ---------------------------------------------------------------------------------------------
// MQTT (mfg-mqtt-broker)

export type Qos = 0 | 1 | 2;

export interface MqttMessage {
  topic: string;
  payload: Buffer;
  qos: Qos;
  retain: boolean;
}

export interface MqttSubscription {
  close(): Promise<void>;
}

/** The shared MQTT client of one broker. */
export interface MqttLink extends Link {
  readonly url: string;
  /**
   * Subscribes to a topic filter (wildcards allowed); several users may subscribe to the same or
   * overlapping filters, each gets the messages its filter matches, once. Subscriptions come
   * back after a reconnect. Returns at once.
   */
  subscribe(filter: string, qos: Qos, onMessage: (message: MqttMessage) => void): MqttSubscription;
  /** Resolves when the broker acknowledged (QoS 1/2) or the packet was written (QoS 0). */
  publish(topic: string, payload: string | Buffer, options: { qos: Qos; retain: boolean }): Promise<void>;
}
