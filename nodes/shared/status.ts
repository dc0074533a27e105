/**
 * The status vocabulary of the suite: every node shows one of these kinds, so a shop-floor user
 * learns the colours once. Texts are short; callers pass i18n-resolved text.
 *
 * | kind         | look         | meaning                                            |
 * |--------------|--------------|----------------------------------------------------|
 * | ok           | green dot    | working, data current                              |
 * | busy         | blue dot     | working on something that takes a while (learning) |
 * | connecting   | yellow ring  | connecting or reconnecting                         |
 * | stale        | yellow ring  | no data for longer than the watchdog limit         |
 * | warning      | yellow dot   | working, but something needs attention             |
 * | error        | red dot      | the last input or operation failed                 |
 * | disconnected | red ring     | the peer cannot be reached                         |
 * | idle         | grey ring    | configured, nothing received yet                   |
 */
import type { Node, NodeStatus } from "node-red";

export const STATUS_KINDS = [
  "ok",
  "busy",
  "connecting",
  "stale",
  "warning",
  "error",
  "disconnected",
  "idle",
] as const;
export type StatusKind = (typeof STATUS_KINDS)[number];

const LOOK: Record<StatusKind, Pick<NodeStatus, "fill" | "shape">> = {
  ok: { fill: "green", shape: "dot" },
  busy: { fill: "blue", shape: "dot" },
  connecting: { fill: "yellow", shape: "ring" },
  stale: { fill: "yellow", shape: "ring" },
  warning: { fill: "yellow", shape: "dot" },
  error: { fill: "red", shape: "dot" },
  disconnected: { fill: "red", shape: "ring" },
  idle: { fill: "grey", shape: "ring" },
};

/** Longest status text; the editor cuts nothing, so we do, to keep the canvas readable. */
export const MAX_STATUS_TEXT = 48;

export function statusOf(kind: StatusKind, text = ""): NodeStatus {
  const short = text.length > MAX_STATUS_TEXT ? `${text.slice(0, MAX_STATUS_TEXT - 1)}…` : text;
  return { ...LOOK[kind], text: short };
}

/**
 * Sets a node's status without flooding the editor: a change of kind is shown at once, further
 * updates of the same kind at most once per interval (the last one wins). Call `close()` from the
 * node's close handler.
 */
export class StatusReporter {
  private lastKind: StatusKind | undefined;
  private lastText = "";
  private lastAt = Number.NEGATIVE_INFINITY;
  private pending: { kind: StatusKind; text: string } | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly node: Pick<Node, "status">,
    private readonly intervalMs = 500,
    private readonly now: () => number = Date.now,
  ) {}

  set(kind: StatusKind, text = ""): void {
    const t = this.now();
    if (kind !== this.lastKind || t - this.lastAt >= this.intervalMs) {
      this.show(kind, text, t);
      return;
    }
    if (text === this.lastText) return;
    this.pending = { kind, text };
    if (!this.timer) {
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          const p = this.pending;
          if (p) this.show(p.kind, p.text, this.now());
        },
        this.intervalMs - (t - this.lastAt),
      );
    }
  }

  clear(): void {
    this.cancel();
    this.lastKind = undefined;
    this.node.status({});
  }

  close(): void {
    this.cancel();
  }

  private show(kind: StatusKind, text: string, t: number): void {
    this.cancel();
    this.lastKind = kind;
    this.lastText = text;
    this.lastAt = t;
    this.node.status(statusOf(kind, text));
  }

  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}
