/**
 * mfg-machine-connector: machine tags in (OPC UA monitored items or MQTT topics), MachineSamples
 * out, with the OPC UA status code as quality and the source timestamp; a watchdog marks values
 * stale when data stops; an input message writes tags. The connection is the endpoint's or
 * broker's shared link; all decisions about values and staleness are in lib/connector.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import {
  applyReadings,
  createSampler,
  linkDown,
  linkUp,
  nextDue,
  type Reading,
  readingsFromMessage,
  type SamplerEvent,
  type SamplerOutput,
  type SamplerState,
  summary,
  tick,
} from "../../lib/connector/sampler";
import { checkTags, parseTagCsv, type Tag } from "../../lib/connector/tags";
import { checkWrites, type TagWrite } from "../../lib/connector/writes";
import { formatErrors, makeConfigValidator } from "../../lib/validate";
import type { AssetNode } from "../asset/config";
import type { MqttBrokerNode } from "../mqtt-broker/config";
import type { OpcuaEndpointNode } from "../opcua-endpoint/config";
import { InputError, onInput, refuseInputs, type Send } from "../shared/errors";
import type { Link, LinkStatus, MqttLink, MqttSubscription, OpcuaLink, OpcuaMonitor } from "../shared/link";
import { StatusReporter } from "../shared/status";
import { configSchema, type MachineConnectorConfig } from "./config";

const parseConfig = makeConfigValidator<MachineConnectorConfig>(configSchema);

/** Longest a timer waits, so a clock jump cannot postpone the watchdog for long. */
const MAX_TIMER_MS = 60_000;
/** How often the status text follows a stream of readings. */
const STATUS_EVERY_MS = 500;

interface Setup {
  config: MachineConnectorConfig;
  tags: Tag[];
  asset: string;
  link: OpcuaLink | MqttLink;
  peer: string;
}

export = (RED: NodeAPI) => {
  function MachineConnectorNode(this: Node, def: NodeDef & Partial<MachineConnectorConfig>) {
    RED.nodes.createNode(this, def);
    const status = new StatusReporter(this);
    const setup = resolve(def);
    if (typeof setup === "string") {
      refuseInputs(this, status, setup, RED._("machine-connector.status.config"));
      return;
    }
    const { config, tags, asset, link, peer } = setup;
    const tagsByName = new Map(tags.map((t) => [t.name, t]));
    const state: SamplerState = createSampler(
      {
        asset,
        tags,
        output: config.output,
        intervalMs: config.intervalMs,
        staleAfterMs: config.staleAfterMs,
        clientDeadband: config.source === "mqtt",
      },
      Date.now(),
    );
    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    const itemErrors = new Map<number, string>();

    const eventMessage = (payload: Record<string, unknown>): NodeMessage => ({
      topic: asset,
      payload: { asset, ts: Date.now(), source: peer, ...payload },
    });

    const emit = (out: SamplerOutput, send: Send = (m) => this.send(m)) => {
      const events: NodeMessage[] = out.events.map((e: SamplerEvent) => eventMessage({ ...e }));
      for (const e of out.events) {
        if (e.event === "conversion")
          this.warn(
            RED._("machine-connector.errors.conversion", { tag: e.tag, status: e.status, raw: e.raw }),
          );
      }
      if (!out.sample && events.length === 0) return;
      send([out.sample ? { topic: asset, payload: out.sample } : null, events.length > 0 ? events : null]);
    };

    const showStatus = () => {
      const link = setup.link.status;
      if (link.state !== "connected") {
        status.set(
          link.state === "connecting" ? "connecting" : "disconnected",
          link.state === "connecting"
            ? RED._("machine-connector.status.connecting")
            : RED._("machine-connector.status.disconnected"),
        );
        return;
      }
      const s = summary(state);
      if (s.stale > 0)
        status.set("stale", RED._("machine-connector.status.stale", { stale: s.stale, tags: s.tags }));
      else if (itemErrors.size > 0 || s.bad > 0)
        status.set(
          "warning",
          RED._("machine-connector.status.bad", { bad: Math.max(s.bad, itemErrors.size), tags: s.tags }),
        );
      else if (s.waiting === s.tags) status.set("idle", RED._("machine-connector.status.waiting"));
      else status.set("ok", RED._("machine-connector.status.ok", { tags: s.tags }));
    };

    const schedule = () => {
      if (closed) return;
      if (timer) clearTimeout(timer);
      timer = undefined;
      const due = nextDue(state);
      if (due === undefined) return;
      timer = setTimeout(onTimer, Math.min(MAX_TIMER_MS, Math.max(0, due - Date.now())));
    };

    function onTimer() {
      timer = undefined;
      if (closed) return;
      const out = tick(state, Date.now());
      emit(out);
      if (out.events.length > 0) showStatus();
      schedule();
    }

    // Status and timer work is O(tags): after a batch of readings it is done at once only when
    // staleness changed, otherwise at most every STATUS_EVERY_MS.
    let statusTimer: NodeJS.Timeout | undefined;
    const showStatusSoon = () => {
      statusTimer ??= setTimeout(() => {
        statusTimer = undefined;
        if (!closed) showStatus();
      }, STATUS_EVERY_MS);
    };
    const watchdogOn =
      config.output === "snapshot" || config.staleAfterMs > 0 || tags.some((t) => t.staleMs > 0);

    const onReadings = (readings: Reading[]) => {
      if (closed) return;
      const wasStale = state.staleCount > 0 || state.silent;
      const out = applyReadings(state, readings, Date.now());
      emit(out);
      if (wasStale || out.events.length > 0) showStatus();
      else showStatusSoon();
      if (watchdogOn && (!timer || wasStale)) schedule();
    };

    const onLinkStatus = (s: LinkStatus) => {
      if (closed) return;
      const now = Date.now();
      const extra: Record<string, unknown> = { event: s.state };
      if (s.detail) extra.detail = s.detail;
      this.send([null, eventMessage(extra)]);
      // Values go stale when a connection is lost or cannot be made, not while the first
      // connection is still being set up.
      if (s.state === "connected") {
        everConnected = true;
        linkUp(state, now);
      } else if (s.state === "disconnected" || everConnected) emit(linkDown(state, s.detail, now));
      showStatus();
      schedule();
    };

    let everConnected = false;
    const stopLinkStatus = link.onStatus(onLinkStatus);
    let monitor: OpcuaMonitor | undefined;
    const subscriptions: MqttSubscription[] = [];
    link.acquire();
    if (config.source === "opcua") {
      monitor = (link as OpcuaLink).monitor(
        tags.map((t) => ({
          nodeId: t.address,
          samplingIntervalMs: config.samplingIntervalMs,
          queueSize: config.queueSize,
          ...(t.deadband ? { deadband: t.deadband } : {}),
        })),
        {
          changes: (changes) =>
            onReadings(
              changes.map((c) => {
                itemErrors.delete(c.index);
                const r: Reading = {
                  tag: c.index,
                  raw: c.value.value,
                  quality: c.value.statusName,
                  qualityCode: c.value.statusCode,
                };
                if (c.value.sourceTs !== undefined) r.sourceTs = c.value.sourceTs;
                return r;
              }),
            ),
          itemError: (index, statusName) => {
            const tag = tags[index];
            if (closed || !tag) return;
            itemErrors.set(index, statusName);
            this.warn(
              RED._("machine-connector.errors.item", {
                tag: tag.name,
                address: tag.address,
                status: statusName,
              }),
            );
            this.send([
              null,
              eventMessage({ event: "itemError", tag: tag.name, address: tag.address, status: statusName }),
            ]);
            showStatus();
          },
        },
      );
    } else {
      const byTopic = new Map<string, number[]>();
      tags.forEach((t, i) => {
        byTopic.set(t.address, [...(byTopic.get(t.address) ?? []), i]);
      });
      for (const [topic, indexes] of byTopic) {
        subscriptions.push(
          (link as MqttLink).subscribe(topic, config.qos, (message) =>
            onReadings(readingsFromMessage(message.payload.toString("utf8"), indexes, tags)),
          ),
        );
      }
    }
    if (link.status.state === "connected") {
      everConnected = true;
      linkUp(state, Date.now());
    }
    showStatus();
    schedule();

    // Writes: payload {tag: value, ...}; checked completely before anything is written.
    onInput(this, status, async (msg, send) => {
      const checked = checkWrites(tagsByName, config.source, msg.payload);
      if (!checked.ok) throw new InputError(checked.errors);
      const writes = checked.value;
      const results = await write(link, config, writes);
      send([null, { ...eventMessage({ event: "write", results }), _msgid: msg._msgid }]);
      const failed = results.filter((r) => r.status !== "Good");
      if (failed.length > 0)
        throw new Error(
          RED._("machine-connector.errors.write", {
            peer,
            failed: failed.map((f) => `${f.tag}: ${f.status}`).join(", "),
          }),
        );
      showStatus();
    });

    this.on("close", (_removed: boolean, done: () => void) => {
      closed = true;
      if (timer) clearTimeout(timer);
      if (statusTimer) clearTimeout(statusTimer);
      status.close();
      stopLinkStatus();
      const closing: Array<Promise<void>> = [
        ...(monitor ? [monitor.close()] : []),
        ...subscriptions.map((s) => s.close()),
      ];
      Promise.allSettled(closing)
        .then(() => link.release())
        .catch((err: unknown) => this.warn(String(err)))
        .finally(() => done());
    });
  }

  /** The checked configuration, or the problem naming the field. */
  function resolve(def: NodeDef & Partial<MachineConnectorConfig>): Setup | string {
    const parsed = parseConfig({ ...def });
    if (!parsed.ok) return formatErrors(parsed.errors, "config");
    const config = parsed.value;
    const assetNode = config.asset ? (RED.nodes.getNode(config.asset) as AssetNode | null) : null;
    if (!assetNode) return RED._("machine-connector.errors.noAsset");
    if (!assetNode.path) return assetNode.problem ?? RED._("machine-connector.errors.noAsset");
    const checked = checkTags(config.tags, config.source, {
      deadbandType: config.deadbandType,
      deadband: config.deadband,
    });
    if (!checked.ok) return formatErrors(checked.errors, "config");
    if (checked.value.length === 0) return RED._("machine-connector.errors.noTags");
    let link: Link | undefined;
    let peer = "";
    if (config.source === "opcua") {
      const endpoint = config.endpoint
        ? (RED.nodes.getNode(config.endpoint) as OpcuaEndpointNode | null)
        : null;
      if (!endpoint) return RED._("machine-connector.errors.noEndpoint");
      if (endpoint.problem || !endpoint.link)
        return endpoint.problem ?? RED._("machine-connector.errors.noEndpoint");
      link = endpoint.link;
      peer = endpoint.link.endpointUrl;
    } else {
      const broker = config.broker ? (RED.nodes.getNode(config.broker) as MqttBrokerNode | null) : null;
      if (!broker) return RED._("machine-connector.errors.noBroker");
      if (broker.problem || !broker.link) return broker.problem ?? RED._("machine-connector.errors.noBroker");
      link = broker.link;
      peer = broker.link.url;
    }
    return { config, tags: checked.value, asset: assetNode.path, link: link as OpcuaLink | MqttLink, peer };
  }

  RED.nodes.registerType("mfg-machine-connector", MachineConnectorNode);

  // The editor's "paste CSV": parsed and checked here, by the same code as at deploy, so the
  // editor shows exactly the errors the runtime would give. Body: {csv, source}.
  RED.httpAdmin.post(
    "/mfg-machine-connector/tags/csv",
    RED.auth.needsPermission("mfg-machine-connector.write"),
    (req, res) => {
      const body = (req.body ?? {}) as { csv?: unknown; source?: unknown };
      if (typeof body.csv !== "string") {
        res.status(400).json({ message: "csv must be the pasted text" });
        return;
      }
      const parsed = parseTagCsv(body.csv);
      if (!parsed.ok) {
        res.status(400).json({ message: formatErrors(parsed.errors, "") });
        return;
      }
      const source = body.source === "mqtt" ? "mqtt" : "opcua";
      const checked = checkTags(parsed.value, source, { deadbandType: "none", deadband: 0 });
      res.json({ tags: parsed.value, problems: checked.ok ? "" : formatErrors(checked.errors, "") });
    },
  );
};

interface WriteResult {
  tag: string;
  value: unknown;
  status: string;
}

async function write(
  link: OpcuaLink | MqttLink,
  config: MachineConnectorConfig,
  writes: TagWrite[],
): Promise<WriteResult[]> {
  if (config.source === "opcua") {
    const results = await (link as OpcuaLink).write(
      writes.map((w) => ({ nodeId: w.tag.address, dataType: w.tag.type, value: w.raw })),
    );
    return writes.map((w, i) => ({
      tag: w.tag.name,
      value: w.value,
      status: results[i]?.statusName ?? "BadUnexpectedError",
    }));
  }
  const mqtt = link as MqttLink;
  const settled = await Promise.allSettled(
    writes.map((w) => mqtt.publish(w.tag.address, JSON.stringify(w.raw), { qos: config.qos, retain: false })),
  );
  return writes.map((w, i) => {
    const r = settled[i];
    return {
      tag: w.tag.name,
      value: w.value,
      status:
        r?.status === "fulfilled"
          ? "Good"
          : `BadCommunicationError: ${String((r as PromiseRejectedResult).reason?.message ?? r)}`,
    };
  });
}
