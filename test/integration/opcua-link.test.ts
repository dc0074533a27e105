// The shared OPC UA session (nodes/shared/opcua-link.ts) against real in-process node-opcua
// servers (the line simulator): security None and SignAndEncrypt with a user, bad credentials, no
// server, one session for many users, a server restart (items exactly once), write, browse, unknown
// NodeIds; and the mfg-opcua-endpoint config node's admin endpoints through the test helper.

import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import type { LinkLog, LinkStatus, OpcuaChange, OpcuaItem, OpcuaMonitor } from "../../nodes/shared/link";
import {
  listServerCertificates,
  OpcuaClientLink,
  type OpcuaLinkConfig,
  trustServerCertificate,
} from "../../nodes/shared/opcua-link";
import {
  type LineSimulator,
  type LineSimulatorOptions,
  nodeIdOf,
  SETPOINT_NODE_ID,
  simulatorPkiFolder,
  startLineSimulator,
} from "../../sim/server";
import { helper, opcuaEndpointNode, tempDir } from "../support/node-red";
import { until, within } from "../support/wait";

const WAIT_MS = 20_000;

interface Lines extends LinkLog {
  lines: string[];
}

function collectLog(): Lines {
  const lines: string[] = [];
  return {
    lines,
    info: (t) => lines.push(`info ${t}`),
    warn: (t) => lines.push(`warn ${t}`),
    error: (t) => lines.push(`error ${t}`),
  };
}

interface Recorder {
  batches: OpcuaChange[][];
  errors: Array<{ index: number; statusName: string }>;
  monitor: OpcuaMonitor;
  count(index: number): number;
}

function record(link: OpcuaClientLink, items: OpcuaItem[]): Recorder {
  const batches: OpcuaChange[][] = [];
  const errors: Array<{ index: number; statusName: string }> = [];
  const monitor = link.monitor(items, {
    changes: (changes) => batches.push(changes),
    itemError: (index, statusName) => errors.push({ index, statusName }),
  });
  return {
    batches,
    errors,
    monitor,
    count: (index) => batches.reduce((n, b) => n + b.filter((c) => c.index === index).length, 0),
  };
}

const item = (nodeId: string): OpcuaItem => ({ nodeId, samplingIntervalMs: 50, queueSize: 1 });

function statuses(link: OpcuaClientLink): LinkStatus[] {
  const seen: LinkStatus[] = [link.status];
  link.onStatus((s) => seen.push(s));
  return seen;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

describe("OPC UA link (nodes/shared/opcua-link.ts)", function () {
  this.timeout(90_000);
  let sim: LineSimulator | undefined;
  let pki: { dir: string; remove(): void };
  const links: OpcuaClientLink[] = [];

  function makeLink(over: Partial<OpcuaLinkConfig> & { endpointUrl: string }, log = collectLog()) {
    const link = new OpcuaClientLink(
      {
        securityMode: "None",
        securityPolicy: "None",
        identity: { type: "anonymous" },
        pkiDir: pki.dir,
        publishingIntervalMs: 100,
        reconnectInitialDelayMs: 200,
        reconnectMaxDelayMs: 1000,
        ...over,
      },
      log,
    );
    links.push(link);
    return { link, log };
  }

  async function simulator(opts: LineSimulatorOptions = {}): Promise<LineSimulator> {
    sim = await startLineSimulator({ port: 0, speed: 20, ...opts });
    return sim;
  }

  beforeEach(() => {
    pki = tempDir("mfgkit-opcua-pki-");
  });

  /** Copies the simulator's certificate into the client's trusted/certs (the manual way). */
  function pretrustSimulator(): void {
    const own = join(simulatorPkiFolder(), "server", "own", "certs");
    const trusted = join(pki.dir, "trusted", "certs");
    mkdirSync(trusted, { recursive: true });
    for (const f of readdirSync(own)) if (f.endsWith(".pem")) copyFileSync(join(own, f), join(trusted, f));
  }

  afterEach(async () => {
    for (const link of links.splice(0)) await link.shutdown();
    await sim?.stop();
    sim = undefined;
    pki.remove();
  });

  it("monitors simulator variables over security None, anonymous", async () => {
    const s = await simulator();
    const { link } = makeLink({ endpointUrl: s.endpointUrl });
    const seen = statuses(link);
    link.acquire();
    const r = record(link, [item(nodeIdOf("Filler", "StateCurrent")), item("ns=1;s=Line.SimulationTimeS")]);
    await until(() => r.count(0) > 0 && r.count(1) > 1, WAIT_MS, "changes of both items");
    const change = r.batches.flat().find((c) => c.index === 1);
    assert.ok(change, "a change of SimulationTimeS");
    assert.equal(change.value.statusName, "Good", "status Good");
    assert.equal(change.value.dataType, "Double", "data type name");
    assert.equal(typeof change.value.value, "number", "plain number");
    assert.equal(typeof change.value.sourceTs, "number", "source timestamp set");
    assert.equal(link.status.state, "connected", "connected");
    assert.ok(
      seen.some((st) => st.state === "connecting"),
      `went through connecting: ${JSON.stringify(seen)}`,
    );
    assert.deepEqual(r.errors, [], "no item errors");
  });

  it("reports an unknown NodeId through itemError while the other items work", async () => {
    const s = await simulator();
    const { link } = makeLink({ endpointUrl: s.endpointUrl });
    link.acquire();
    const r = record(link, [
      item("ns=1;s=Line.NoSuchThing"),
      item("ns=1;s=Line.SimulationTimeS"),
      item("not a node id"),
    ]);
    await until(() => r.errors.length === 2 && r.count(1) > 1, WAIT_MS, "item errors and changes");
    assert.deepEqual(
      r.errors.sort((a, b) => a.index - b.index),
      [
        { index: 0, statusName: "BadNodeIdUnknown" },
        { index: 2, statusName: "BadNodeIdInvalid" },
      ],
      "errors by index",
    );
    assert.equal(r.count(0), 0, "no changes for the unknown item");
  });

  it("registers items before the session is up and shares one session among three users", async () => {
    const s = await simulator();
    const { link } = makeLink({ endpointUrl: s.endpointUrl });
    const users = [
      record(link, [item("ns=1;s=Line.SimulationTimeS")]),
      record(link, [item(nodeIdOf("Capper", "StateCurrent")), item(nodeIdOf("Capper", "Speed"))]),
      record(link, [item(nodeIdOf("Labeler", "GoodCount"))]),
    ];
    link.acquire();
    link.acquire();
    link.acquire();
    await until(() => users.every((u) => u.batches.length > 0), WAIT_MS, "changes for every user");
    assert.equal(s.sessionCount(), 1, "one session on the server");
    assert.equal(s.monitoredItemCount(), 4, "four monitored items on the server");
    await users[1]?.monitor.close();
    await until(() => s.monitoredItemCount() === 2, WAIT_MS, "items of the closed monitor deleted");
    await link.release();
    await link.release();
    assert.equal(link.status.state, "connected", "still connected with one user left");
    await link.release();
    await until(() => s.sessionCount() === 0, WAIT_MS, "session closed after the last release");
    assert.equal(link.status.state, "disconnected", "disconnected after the last release");
  });

  it("release then acquire, at once and while the close is in flight: release resolves, one session, each item once", async () => {
    const s = await simulator();
    const { link } = makeLink({ endpointUrl: s.endpointUrl });
    link.acquire();
    const r = record(link, [item("ns=1;s=Line.SimulationTimeS"), item(nodeIdOf("Filler", "StateCurrent"))]);
    await until(
      () => link.status.state === "connected" && s.monitoredItemCount() === 2,
      WAIT_MS,
      "connected with two items",
    );
    const atOnce = link.release();
    link.acquire();
    await within(atOnce, WAIT_MS, "release() followed by acquire() at once");
    const inFlight = link.release();
    await new Promise<void>((resolve) => setImmediate(resolve)); // the close has started
    link.acquire();
    await within(inFlight, WAIT_MS, "release() with an acquire() while its close runs");
    await until(() => link.status.state === "connected", WAIT_MS, "connected again");
    const before = r.count(0);
    await until(() => r.count(0) > before + 2, WAIT_MS, "changes after the reopen");
    assert.equal(s.sessionCount(), 1, "one session on the server");
    assert.equal(s.monitoredItemCount(), 2, "each item exactly once on the server");
    await within(link.release(), WAIT_MS, "the last release");
    await until(() => s.sessionCount() === 0, WAIT_MS, "session closed after the last release");
  });

  it("network blip: monitor.close() resolves during the outage; after it each item exists exactly once", async () => {
    const s = await simulator();
    // A TCP proxy in front of the simulator: the server stays up, the connection drops.
    let accepting = true;
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((down) => {
      if (!accepting) {
        down.destroy();
        return;
      }
      const up = net.connect(s.port, "127.0.0.1");
      down.pipe(up);
      up.pipe(down);
      const kill = () => {
        down.destroy();
        up.destroy();
        sockets.delete(down);
        sockets.delete(up);
      };
      for (const x of [down, up]) {
        sockets.add(x);
        x.on("error", kill);
        x.on("close", kill);
      }
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const address = proxy.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      const { link } = makeLink({ endpointUrl: `opc.tcp://127.0.0.1:${port}` });
      link.acquire();
      const a = record(link, [item("ns=1;s=Line.SimulationTimeS")]);
      const b = record(link, [
        item(nodeIdOf("Filler", "StateCurrent")),
        item(nodeIdOf("Capper", "BearingTemperature")),
      ]);
      await until(
        () => link.status.state === "connected" && s.monitoredItemCount() === 3,
        WAIT_MS,
        "connected with three items",
      );
      accepting = false;
      for (const x of [...sockets]) x.destroy();
      await until(() => link.status.state !== "connected", WAIT_MS, "the loss noticed");
      const c = record(link, [item(nodeIdOf("Labeler", "GoodCount"))]);
      await within(b.monitor.close(), WAIT_MS, "monitor.close() while the connection is down");
      accepting = true;
      await until(() => link.status.state === "connected", 60_000, "the session restored");
      const before = a.count(0);
      await until(() => a.count(0) > before + 2 && c.batches.length > 0, WAIT_MS, "changes after the blip");
      await until(() => s.monitoredItemCount() === 2, WAIT_MS, "the closed monitor's items deleted");
      assert.equal(s.sessionCount(), 1, "one session on the server");
      assert.equal(s.monitoredItemCount(), 2, "the items of a and c, each once");
      assert.deepEqual(b.errors, [], "no item error for the closed monitor");
    } finally {
      accepting = false;
      for (const x of [...sockets]) x.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  it("a throwing status listener neither crashes nor stops the link; it is logged", async () => {
    const s = await simulator();
    const { link, log } = makeLink({ endpointUrl: s.endpointUrl });
    link.onStatus(() => {
      throw new Error("listener bug");
    });
    const seen = statuses(link);
    link.acquire();
    const r = record(link, [item("ns=1;s=Line.SimulationTimeS")]);
    await until(() => r.count(0) > 1, WAIT_MS, "changes despite the throwing listener");
    assert.equal(link.status.state, "connected", "connected");
    assert.ok(
      seen.some((st) => st.state === "connected"),
      `the other listener heard "connected": ${JSON.stringify(seen)}`,
    );
    assert.ok(
      log.lines.some((l) => /^error .*status listener failed: listener bug/.test(l)),
      `an error log line about the listener: ${log.lines.join("\n")}`,
    );
  });

  it("writes a value and reads it back through a monitor; browses the line", async () => {
    const s = await simulator({ writable: true });
    const { link } = makeLink({ endpointUrl: s.endpointUrl });
    await assert.rejects(link.browse("ns=1;s=Line"), /not connected/, "browse before connecting");
    await assert.rejects(
      link.write([{ nodeId: SETPOINT_NODE_ID, dataType: "Double", value: 1 }]),
      /not connected/,
      "write before connecting",
    );
    link.acquire();
    const r = record(link, [item(SETPOINT_NODE_ID)]);
    await until(() => link.status.state === "connected" && r.batches.length > 0, WAIT_MS, "connected");
    const results = await link.write([
      { nodeId: SETPOINT_NODE_ID, dataType: "Double", value: 42.5 },
      { nodeId: nodeIdOf("Filler", "Speed"), dataType: "Double", value: 1 },
      { nodeId: SETPOINT_NODE_ID, dataType: "NoSuchType", value: 1 },
    ]);
    assert.deepEqual(
      results.map((x) => x.statusName),
      ["Good", "BadNotWritable", "BadTypeMismatch"],
      "write results",
    );
    await until(() => r.batches.flat().some((c) => c.value.value === 42.5), WAIT_MS, "the written value");
    const entries = await link.browse("ns=1;s=Line");
    const names = entries.map((e) => e.browseName);
    for (const m of s.machines) assert.ok(names.includes(m), `${m} in ${names.join(",")}`);
    const filler = entries.find((e) => e.browseName === "Filler");
    assert.deepEqual(
      filler,
      {
        nodeId: "ns=1;s=Line.Filler",
        browseName: "Filler",
        displayName: "Filler",
        nodeClass: "Object",
        hasChildren: true,
      },
      "the Filler entry",
    );
    const time = entries.find((e) => e.browseName === "SimulationTimeS");
    assert.equal(time?.dataType, "Double", "variable data type");
    assert.equal(time?.nodeClass, "Variable", "variable node class");
    const vars = await link.browse(nodeIdOf("Filler"));
    assert.equal(vars.find((e) => e.browseName === "GoodCount")?.dataType, "UInt32", "UInt32 variable");
    await assert.rejects(link.browse("ns=1;s=Nope"), /BadNodeIdUnknown/, "browse of an unknown node");
  });

  it("reports a wrong password as disconnected with the cause, logs it and keeps retrying", async () => {
    // node-opcua offers user names only on secured endpoints; the server is pre-trusted the
    // manual way, by copying its certificate into the client's trusted/certs.
    const s = await simulator({
      securityModes: ["SignAndEncrypt"],
      securityPolicies: ["Basic256Sha256"],
      users: [{ user: "operator", password: "right-secret" }],
      allowAnonymous: false,
    });
    pretrustSimulator();
    const { link, log } = makeLink({
      endpointUrl: s.endpointUrl,
      securityMode: "SignAndEncrypt",
      securityPolicy: "Basic256Sha256",
      identity: { type: "username", user: "operator", password: "wrong-secret" },
    });
    const seen = statuses(link);
    link.acquire();
    await until(
      () =>
        seen.some(
          (st) =>
            st.state === "disconnected" &&
            /Bad(UserAccessDenied|IdentityTokenRejected)/.test(st.detail ?? ""),
        ),
      WAIT_MS,
      "disconnected with the cause",
    );
    const detail = seen.find((st) => st.state === "disconnected" && st.detail)?.detail ?? "";
    assert.ok(detail.startsWith(s.endpointUrl), `detail names the endpoint: ${detail}`);
    await until(() => seen.filter((st) => st.state === "connecting").length >= 2, WAIT_MS, "a retry");
    assert.ok(
      log.lines.some((l) => /Bad(UserAccessDenied|IdentityTokenRejected)/.test(l)),
      `log line: ${log.lines.join("\n")}`,
    );
    const all = JSON.stringify(seen) + log.lines.join("\n");
    assert.ok(!all.includes("wrong-secret"), "no password in status or log");
  });

  it("reports nothing listening as disconnected with the cause and stops cleanly while connecting", async () => {
    const port = await freePort();
    const { link, log } = makeLink({ endpointUrl: `opc.tcp://127.0.0.1:${port}` });
    const seen = statuses(link);
    link.acquire();
    await until(
      () => seen.some((st) => st.state === "disconnected" && /ECONNREFUSED/.test(st.detail ?? "")),
      WAIT_MS,
      "disconnected with ECONNREFUSED",
    );
    assert.ok(
      log.lines.some((l) => /ECONNREFUSED/.test(l)),
      `log line: ${log.lines.join("\n")}`,
    );
    await until(() => link.status.state === "connecting", WAIT_MS, "connecting again");
    await link.shutdown();
    assert.equal(link.status.state, "disconnected", "disconnected after shutdown");
  });

  it("restores the items exactly once after a server restart on the same port", async () => {
    const first = await simulator();
    const port = first.port;
    const { link, log } = makeLink({ endpointUrl: first.endpointUrl });
    const seen = statuses(link);
    link.acquire();
    const a = record(link, [item("ns=1;s=Line.SimulationTimeS"), item(nodeIdOf("Filler", "StateCurrent"))]);
    const b = record(link, [item(nodeIdOf("Capper", "BearingTemperature")), item("ns=1;s=Line.NoSuchThing")]);
    await until(() => a.count(0) > 1 && b.errors.length === 1, WAIT_MS, "changes before the restart");
    assert.equal(first.monitoredItemCount(), 3, "three items before the restart");

    await first.stop();
    sim = undefined;
    await until(() => link.status.state === "disconnected", WAIT_MS, "disconnected after the stop");
    const before = a.count(0);
    const second = await simulator({ port });
    await until(() => link.status.state === "connected", 60_000, "connected again");
    await until(() => a.count(0) > before + 2, WAIT_MS, "changes after the restart");
    assert.equal(second.sessionCount(), 1, "one session on the restarted server");
    assert.equal(second.monitoredItemCount(), 3, "each item exactly once on the restarted server");
    await until(() => b.errors.length === 2, WAIT_MS, "the unknown item refused again");
    for (const batch of [...a.batches, ...b.batches]) {
      const indexes = batch.map((c) => c.index);
      assert.equal(
        new Set(indexes).size,
        indexes.length,
        `no duplicate in one publish: ${indexes.join(",")}`,
      );
    }
    const states = seen.map((st) => st.state);
    const lost = states.lastIndexOf("disconnected");
    assert.ok(lost > 0 && states.indexOf("connected", lost) > lost, `disconnected then connected: ${states}`);
    assert.ok(
      log.lines.some((l) => /lost|ended/.test(l)),
      `a log line about the loss: ${log.lines.join("\n")}`,
    );
  });

  it("SignAndEncrypt + Basic256Sha256 with a user: rejects the untrusted server, connects once trusted", async () => {
    const s = await simulator({
      securityModes: ["SignAndEncrypt"],
      securityPolicies: ["Basic256Sha256"],
      users: [{ user: "operator", password: "s3cret" }],
      allowAnonymous: false,
    });
    const { link } = makeLink({
      endpointUrl: s.endpointUrl,
      securityMode: "SignAndEncrypt",
      securityPolicy: "Basic256Sha256",
      identity: { type: "username", user: "operator", password: "s3cret" },
    });
    const seen = statuses(link);
    link.acquire();
    const r = record(link, [item("ns=1;s=Line.SimulationTimeS")]);
    await until(
      () => seen.some((st) => st.state === "disconnected" && /Certificate/.test(st.detail ?? "")),
      WAIT_MS,
      "rejected server certificate",
    );
    let rejected = await listServerCertificates(pki.dir);
    await until(
      () => existsSync(join(pki.dir, "rejected")) && readdirSync(join(pki.dir, "rejected")).length > 0,
      WAIT_MS,
      "a file in rejected/",
    );
    rejected = await listServerCertificates(pki.dir);
    const cert = rejected.find((c) => c.store === "rejected");
    assert.ok(cert, `a rejected certificate: ${JSON.stringify(rejected)}`);
    assert.match(cert.thumbprint, /^[0-9a-f]{40}$/, "SHA-1 thumbprint");
    assert.ok(await trustServerCertificate(pki.dir, cert.file), "trusted");
    const after = await listServerCertificates(pki.dir);
    assert.ok(
      after.some((c) => c.store === "trusted" && c.thumbprint === cert.thumbprint),
      `now trusted: ${JSON.stringify(after)}`,
    );
    await until(() => link.status.state === "connected", 60_000, "connected once trusted");
    await until(() => r.batches.length > 0, WAIT_MS, "changes over the encrypted channel");
  });
});

describe("mfg-opcua-endpoint (config node, admin endpoints)", function () {
  this.timeout(60_000);
  let sim: LineSimulator | undefined;
  let pki: { dir: string; remove(): void };

  beforeEach(() => {
    pki = tempDir("mfgkit-opcua-node-pki-");
  });
  afterEach(async () => {
    await helper.unload();
    await sim?.stop();
    sim = undefined;
    pki.remove();
  });

  const admin = () => helper.request();

  async function load(flow: Array<Record<string, unknown>>, credentials: Record<string, unknown> = {}) {
    helper.settings({ mfgOpcuaPkiDir: pki.dir });
    await helper.load([opcuaEndpointNode], flow, credentials);
  }

  it("browses through the deployed endpoint (acquiring it for the request) and answers 404 / 502", async () => {
    sim = await startLineSimulator({ port: 0 });
    await load([{ id: "e1", type: "mfg-opcua-endpoint", name: "line", endpointUrl: sim.endpointUrl }]);
    const res = await admin().get("/mfg-opcua-endpoint/e1/browse?nodeId=ns%3D1%3Bs%3DLine");
    assert.equal(res.status, 200, res.text);
    const entries = res.body as Array<{ browseName: string }>;
    assert.ok(
      entries.some((e) => e.browseName === "Filler"),
      `Filler listed: ${JSON.stringify(entries)}`,
    );
    const root = (await admin().get("/mfg-opcua-endpoint/e1/browse")).body as Array<{ nodeId: string }>;
    assert.ok(
      root.some((e) => e.nodeId === "ns=1;s=Line"),
      "ObjectsFolder by default",
    );
    await until(() => sim?.sessionCount() === 0, WAIT_MS, "session released after the browse");
    assert.equal(
      (await admin().get("/mfg-opcua-endpoint/nope/browse")).status,
      404,
      "404 for an unknown endpoint",
    );
    const bad = await admin().get("/mfg-opcua-endpoint/e1/browse?nodeId=ns%3D1%3Bs%3DNope");
    assert.equal(bad.status, 502, "502 when browsing fails");
    assert.match(bad.text, /BadNodeIdUnknown/, "error text");
  });

  it("names the invalid field of an inconsistent configuration", async () => {
    await load([
      {
        id: "e2",
        type: "mfg-opcua-endpoint",
        endpointUrl: "opc.tcp://127.0.0.1:4840",
        securityMode: "SignAndEncrypt",
        securityPolicy: "None",
      },
    ]);
    const node = helper.getNode("e2") as unknown as { problem?: string; link?: unknown };
    assert.match(node.problem ?? "", /securityPolicy/, `problem: ${node.problem}`);
    assert.equal(node.link, undefined, "no link when invalid");
  });

  it("lists rejected server certificates and trusts one through the admin API", async () => {
    sim = await startLineSimulator({
      port: 0,
      securityModes: ["SignAndEncrypt"],
      securityPolicies: ["Basic256Sha256"],
    });
    await load([
      {
        id: "e3",
        type: "mfg-opcua-endpoint",
        endpointUrl: sim.endpointUrl,
        securityMode: "SignAndEncrypt",
        securityPolicy: "Basic256Sha256",
        reconnectMaxDelayMs: 1000,
      },
    ]);
    // the browse acquires the link: the first connection fails on the untrusted server certificate
    const first = await admin().get("/mfg-opcua-endpoint/e3/browse");
    assert.equal(first.status, 502, "not connected while the server is untrusted");
    let list: Array<{ store: string; file: string; thumbprint: string }> = [];
    await until(
      () => existsSync(join(pki.dir, "rejected")) && readdirSync(join(pki.dir, "rejected")).length > 0,
      WAIT_MS,
      "rejected",
    );
    list = (await admin().get("/mfg-opcua-endpoint/certificates")).body as typeof list;
    const rejected = list.find((c) => c.store === "rejected");
    assert.ok(rejected, `rejected listed: ${JSON.stringify(list)}`);
    const trust = await admin().post("/mfg-opcua-endpoint/certificates/trust").send({ file: rejected.file });
    assert.equal(trust.status, 200, trust.text);
    list = (await admin().get("/mfg-opcua-endpoint/certificates")).body as typeof list;
    assert.ok(
      list.some((c) => c.store === "trusted" && c.thumbprint === rejected.thumbprint),
      "trusted listed",
    );
    const again = await admin().get("/mfg-opcua-endpoint/e3/browse?nodeId=ns%3D1%3Bs%3DLine");
    assert.equal(again.status, 200, `browses once the server is trusted: ${again.text}`);
  });
});
