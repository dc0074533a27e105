/**
 * Links: the connections that config nodes own and every node using them shares
 * (ARCHITECTURE rule 5). One OPC UA session per `mfg-opcua-endpoint`, one MQTT client per
 * `mfg-mqtt-broker`. A link connects when its first user acquires it, reconnects with backoff on
 * its own, reports every state change with the peer and the cause, and never throws from a
 * socket or protocol error: those become a `disconnected` status and a log line.
 */
import { EventEmitter } from "node:events";
import type { Node } from "node-red";

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

/** A config node's log as a LinkLog. */
export function nodeLog(node: Pick<Node, "log" | "warn" | "error">): LinkLog {
  return {
    info: (text) => node.log(text),
    warn: (text) => node.warn(text),
    error: (text) => node.error(text),
  };
}

/** Shuts `link` down when its config node closes; a failing close is logged, never blocks the redeploy. */
export function shutdownOnClose(node: Node, link: Link, peer: string): void {
  node.on("close", (_removed: boolean, done: () => void) => {
    link.shutdown().then(
      () => done(),
      (err: unknown) => {
        node.warn(`${peer}: closing failed: ${err instanceof Error ? err.message : String(err)}`);
        done();
      },
    );
  });
}

/**
 * Reference-counted connection with an observable status. Opening and closing are serialised:
 * `open` runs only when the link is closed (and any close has finished), `close` only when it is
 * open, each at most once per change of "has users"; `acquire` right after `release` waits for
 * the close in flight and then opens again.
 */
export abstract class Link extends EventEmitter {
  private users = 0;
  /** Whether `open` ran and `close` has not been started since. */
  private opened = false;
  /** The chain of open/close transitions; each runs after the previous one finished. */
  private transition: Promise<void> = Promise.resolve();
  /** Transitions queued or running. */
  private busy = 0;
  private current: LinkStatus = { state: "disconnected" };

  get status(): LinkStatus {
    return this.current;
  }

  /** Calls `listener` on every status change; returns the function that removes it. */
  onStatus(listener: (status: LinkStatus) => void): () => void {
    this.on("status", listener);
    return () => this.off("status", listener);
  }

  /** A node starts using the link; the first user opens it (at once, or after a close in flight). */
  acquire(): void {
    this.users++;
    if (this.users === 1) void this.settleState();
  }

  /** A node stops using the link; the last user closes it. Resolves when the close finished. */
  async release(): Promise<void> {
    if (this.users === 0) return;
    this.users--;
    if (this.users === 0) await this.settleState();
  }

  /** Closes the link whoever still uses it (the config node's close handler). */
  async shutdown(): Promise<void> {
    this.users = 0;
    await this.settleState();
    this.removeAllListeners();
  }

  /**
   * Brings open/closed in line with the user count, after every transition already queued. When
   * none is, the transition starts at once (synchronously), so `acquire` reports "connecting"
   * and `release` starts closing before they return, as callers expect.
   */
  private settleState(): Promise<void> {
    const step = async (): Promise<void> => {
      if (this.users > 0 && !this.opened) {
        this.opened = true;
        this.open();
      } else if (this.users === 0 && this.opened) {
        this.opened = false;
        await this.close();
      }
    };
    const idle = this.busy === 0;
    // Counted before the step runs: a status listener that acquires or releases from inside
    // open/close must queue behind this transition, not start another one.
    this.busy++;
    this.transition = (idle ? step() : this.transition.then(step))
      .catch((err: unknown) => this.reportFailure(err))
      .finally(() => {
        this.busy--;
      });
    return this.transition;
  }

  protected setStatus(status: LinkStatus): void {
    if (status.state === this.current.state && status.detail === this.current.detail) return;
    this.current = status;
    // One by one: a throwing listener must neither reach the socket/protocol handler that
    // reported the change (it would crash the runtime) nor keep the others from hearing of it.
    for (const listener of this.rawListeners("status")) {
      try {
        (listener as (status: LinkStatus) => void).call(this, status);
      } catch (err) {
        this.reportFailure(err);
      }
    }
  }

  private reportFailure(err: unknown): void {
    try {
      this.listenerFailed(err);
    } catch {
      // nowhere left to report it
    }
  }

  /** A status listener (or an open/close) threw; the links log it. Never throw from here. */
  protected listenerFailed(_err: unknown): void {}

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
