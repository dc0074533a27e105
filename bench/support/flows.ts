/**
 * The Node-RED flows of the two contenders: contender -> bench-count, plus the contender's
 * status output into a second bench-count ("status" mode) so the report can show what it said.
 */
import type { ContenderOptions } from "./common";
import { variableName } from "./common";

export type FlowNode = Record<string, unknown> & { id: string; type: string };

const TAB = { id: "bench-tab", type: "tab", label: "bench", disabled: false, info: "" };

/** NodeIds of the benchmark server's variables, in order. */
export function nodeIds(variables: number): string[] {
  return Array.from({ length: variables }, (_, i) => `ns=1;s=${variableName(i, variables)}`);
}

/**
 * node-red-contrib-opcua 0.2.354: one OpcUa-Client with action "subscribe"; the controller then
 * sends it the documented multi-item subscription (`contribSubscribeMessage`): one subscription,
 * one monitored-item group with every variable.
 */
export function contribFlow(o: ContenderOptions): FlowNode[] {
  return [
    TAB,
    {
      id: "contrib-endpoint",
      type: "OpcUa-Endpoint",
      name: "bench",
      endpoint: o.endpointUrl,
      secpol: "None",
      secmode: "None",
      none: true,
      login: false,
      usercert: false,
      usercertificate: "",
      userprivatekey: "",
    },
    {
      id: "contrib-client",
      type: "OpcUa-Client",
      z: TAB.id,
      name: "bench",
      endpoint: "contrib-endpoint",
      action: "subscribe",
      deadbandtype: "a",
      deadbandvalue: 1,
      time: o.publishingIntervalMs,
      timeUnit: "ms",
      certificate: "n",
      localfile: "",
      localkeyfile: "",
      securitymode: "None",
      securitypolicy: "None",
      useTransport: false,
      maxChunkCount: 1,
      maxMessageSize: 8192,
      receiveBufferSize: 8192,
      sendBufferSize: 8192,
      setstatusandtime: false,
      keepsessionalive: false,
      applicationName: "",
      applicationUri: "",
      wires: [["bench-values"], ["bench-status"], []],
    },
    { id: "bench-values", type: "bench-count", z: TAB.id, mode: "contrib", wires: [] },
    { id: "bench-status", type: "bench-count", z: TAB.id, mode: "status", wires: [] },
  ];
}

/**
 * The input message of contrib's multi-item subscription (its help: topic "multiple", payload an
 * array of {nodeId, datatype}); msg.interval sets the publishing interval of the subscription it
 * creates and the sampling interval of the items (the queue size is fixed at 1 by contrib).
 */
export function contribSubscribeMessage(o: ContenderOptions): Record<string, unknown> {
  return {
    topic: "multiple",
    action: "subscribe",
    interval: o.samplingIntervalMs,
    payload: nodeIds(o.variables).map((nodeId) => ({ nodeId, datatype: "Double" })),
  };
}

/** The suite: mfg-opcua-endpoint + mfg-asset + one mfg-machine-connector with every variable as a tag. */
export function oursFlow(o: ContenderOptions): FlowNode[] {
  const tags = Array.from({ length: o.variables }, (_, i) => {
    const name = variableName(i, o.variables);
    return {
      name,
      address: `ns=1;s=${name}`,
      path: "",
      type: "Double",
      scale: 1,
      offset: 0,
      unit: "",
      deadbandType: "",
      deadband: 0,
      staleMs: 0,
    };
  });
  return [
    TAB,
    {
      id: "ours-endpoint",
      type: "mfg-opcua-endpoint",
      name: "bench",
      endpointUrl: o.endpointUrl,
      securityMode: "None",
      securityPolicy: "None",
      identity: "anonymous",
      userCertificate: "",
      publishingIntervalMs: o.publishingIntervalMs,
      keepAliveMs: 5000,
      sessionTimeoutMs: 60_000,
      reconnectMaxDelayMs: 10_000,
    },
    {
      id: "ours-asset",
      type: "mfg-asset",
      site: "bench",
      area: "bench",
      line: "bench",
      cell: "",
      machine: "m1",
      description: "",
    },
    {
      id: "ours-connector",
      type: "mfg-machine-connector",
      z: TAB.id,
      name: "bench",
      asset: "ours-asset",
      source: "opcua",
      endpoint: "ours-endpoint",
      broker: "",
      tags,
      samplingIntervalMs: o.samplingIntervalMs,
      queueSize: o.queueSize,
      deadbandType: "none",
      deadband: 0,
      output: "change",
      intervalMs: 1000,
      staleAfterMs: 0,
      qos: 1,
      wires: [["bench-values"], ["bench-status"]],
    },
    { id: "bench-values", type: "bench-count", z: TAB.id, mode: "suite", wires: [] },
    { id: "bench-status", type: "bench-count", z: TAB.id, mode: "status", wires: [] },
  ];
}
