/**
 * Benchmark OPC UA server, run as its own child process (bench/support/children.ts starts it):
 * `variables` Double variables ns=1;s=V00000 ... under Objects/Bench, every one of them gets a new
 * value every `tickMs` (options.update: "pull" derives the value from the tick number when a
 * monitored item samples it, "push" writes every variable on a timer), security None, anonymous, bound to 127.0.0.1. The server limits are raised
 * so that neither benchmarked client is throttled by the server (see `serverLimits`).
 *
 * Protocol (IPC with the parent): the child sends `{ type: "ready", endpointUrl, port }` once it
 * listens; on `{ type: "stats" }` it answers `{ type: "stats", stats: ServerStats }`; on
 * `{ type: "stop" }` (or when the parent goes away) it shuts down and exits.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAServer,
  RegisterServerMethod,
  SecurityPolicy,
  StatusCodes,
  Subscription,
  type UAVariable,
  Variant,
} from "node-opcua";
import { send } from "./child-side";
import { type ServerOptions, type ServerStats, serverLimits, variableName } from "./common";

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (!raw) throw new Error("usage: opcua-server.ts '<json ServerOptions>'");
  const o = JSON.parse(raw) as ServerOptions;
  const limits = serverLimits(o.variables);
  // A static of node-opcua-server: the most notifications one publish response may carry.
  Subscription.maxNotificationPerPublishHighLimit = limits.maxNotificationsPerPublish;

  const pki = mkdtempSync(join(tmpdir(), "mfg-bench-server-pki-"));
  const server = new OPCUAServer({
    port: o.port,
    host: "127.0.0.1",
    hostname: "127.0.0.1",
    securityPolicies: [SecurityPolicy.None],
    securityModes: [MessageSecurityMode.None],
    allowAnonymous: true,
    disableDiscovery: true,
    registerServerMethod: RegisterServerMethod.HIDDEN,
    maxConnectionsPerEndpoint: 20,
    isAuditing: false,
    serverCertificateManager: new OPCUACertificateManager({
      name: "PKI",
      rootFolder: join(pki, "server"),
      automaticallyAcceptUnknownCertificate: true,
      disableFileWatchers: true,
    }),
    userCertificateManager: new OPCUACertificateManager({
      name: "UserPKI",
      rootFolder: join(pki, "user"),
      automaticallyAcceptUnknownCertificate: true,
      disableFileWatchers: true,
    }),
    serverCapabilities: {
      maxSessions: limits.maxSessions,
      maxSubscriptions: limits.maxSubscriptions,
      maxSubscriptionsPerSession: limits.maxSubscriptionsPerSession,
      maxMonitoredItems: limits.maxMonitoredItems,
      maxMonitoredItemsPerSubscription: limits.maxMonitoredItemsPerSubscription,
      maxMonitoredItemsQueueSize: limits.maxMonitoredItemsQueueSize,
      operationLimits: limits.operationLimits,
    },
    serverInfo: { applicationName: { text: "mfgkit bench server", locale: "en" } },
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  if (!addressSpace) throw new Error("address space not initialised");
  const ns = addressSpace.getOwnNamespace();
  if (ns.index !== 1) throw new Error(`own namespace has index ${ns.index}, expected 1`);
  const folder = ns.addFolder(addressSpace.rootFolder.objects, { browseName: "Bench", nodeId: "s=Bench" });
  // "pull": the value of variable i is a function of the current tick number, read when a monitored
  // item samples it (no work for variables nobody watches). "push": a timer writes every variable
  // on every tick with setValueFromSource. Either way every variable changes every tickMs.
  const startTick = Math.floor(Date.now() / o.tickMs);
  const currentTick = () => Math.floor(Date.now() / o.tickMs) - startTick;
  const variables: UAVariable[] = [];
  for (let i = 0; i < o.variables; i++) {
    const name = variableName(i, o.variables);
    const value =
      o.update === "pull"
        ? { get: () => new Variant({ dataType: DataType.Double, value: currentTick() * 0.5 + i }) }
        : { dataType: DataType.Double, value: i };
    variables.push(
      ns.addVariable({
        componentOf: folder,
        browseName: name,
        nodeId: `s=${name}`,
        dataType: "Double",
        // node-opcua warns about a getter on a variable that claims 0 (exception-based) sampling.
        minimumSamplingInterval: o.update === "pull" ? 100 : 0,
        value,
      }),
    );
  }

  let pushedTicks = 0;
  const tick = (): void => {
    pushedTicks++;
    const now = new Date();
    const base = pushedTicks * 0.5;
    for (let i = 0; i < variables.length; i++) {
      // A different value on every tick for every variable.
      variables[i]!.setValueFromSource(
        new Variant({ dataType: DataType.Double, value: base + i }),
        StatusCodes.Good,
        now,
      );
    }
  };
  const timer = o.update === "push" ? setInterval(tick, o.tickMs) : undefined;
  const ticksSoFar = () => (o.update === "push" ? pushedTicks : currentTick());

  await server.start();
  const endpointUrl = `opc.tcp://127.0.0.1:${o.port}`;

  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (timer) clearInterval(timer);
    const hard = setTimeout(() => process.exit(code), 5000);
    hard.unref();
    try {
      await server.shutdown(0);
    } catch {
      // exiting anyway
    }
    rmSync(pki, { recursive: true, force: true });
    process.exit(code);
  };

  process.on("message", (message: { type?: string }) => {
    if (message.type === "stats") {
      const cpu = process.cpuUsage();
      const stats: ServerStats = {
        cpuUserUs: cpu.user,
        cpuSystemUs: cpu.system,
        rssBytes: process.memoryUsage.rss(),
        ticks: ticksSoFar(),
        changes: ticksSoFar() * o.variables,
        atMs: Date.now(),
        sessions: server.currentSessionCount,
        subscriptions: server.currentSubscriptionCount,
      };
      send({ type: "stats", stats });
    } else if (message.type === "stop") {
      void stop(0);
    }
  });
  process.on("disconnect", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  send({ type: "ready", endpointUrl, port: o.port, limits });
}

main().catch((err: unknown) => {
  send({ type: "error", error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
});
