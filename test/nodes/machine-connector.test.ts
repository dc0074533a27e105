// mfg-machine-connector without a peer: configuration problems and the editor's CSV endpoint.
import assert from "node:assert/strict";
import {
  assetNode,
  catchNode,
  collect,
  helper,
  machineConnectorNode,
  mqttBrokerNode,
  opcuaEndpointNode,
} from "../support/node-red";
import { until } from "../support/wait";

const nodes = [assetNode, opcuaEndpointNode, mqttBrokerNode, machineConnectorNode, catchNode];

function flow(connector: Record<string, unknown>) {
  return [
    { id: "tab", type: "tab", label: "t" },
    { id: "asset", type: "mfg-asset", site: "s", area: "a", line: "l", machine: "m" },
    { id: "conn", type: "mfg-machine-connector", z: "tab", asset: "asset", source: "opcua", ...connector },
    { id: "c1", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["caught"]] },
    { id: "caught", type: "helper", z: "tab" },
  ];
}

function errorLines(): string[] {
  return helper
    .log()
    .args.map((a) => a[0] as { level: number; msg: unknown })
    .filter((e) => e.level === 20)
    .map((e) => String(e.msg));
}

describe("mfg-machine-connector: configuration", () => {
  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  afterEach(() => helper.unload());

  const cases: Array<{ what: string; connector: Record<string, unknown>; error: RegExp }> = [
    {
      what: "no endpoint",
      connector: { tags: [{ name: "Speed", address: "i=1" }] },
      error: /config\.endpoint must point at an mfg-opcua-endpoint/,
    },
    {
      what: "no broker for an MQTT source",
      connector: { source: "mqtt", tags: [{ name: "Speed", address: "a/b" }] },
      error: /config\.broker must point at an mfg-mqtt-broker/,
    },
    { what: "no tags", connector: { tags: [] }, error: /config\.tags must list at least one tag/ },
    {
      what: "an unknown output mode",
      connector: { output: "sometimes", tags: [{ name: "Speed", address: "i=1" }] },
      error: /config\.output must be one of "change", "snapshot"/,
    },
    {
      what: "no asset",
      connector: { asset: "", tags: [{ name: "Speed", address: "i=1" }] },
      error: /config\.asset must point at a valid mfg-asset/,
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.what}: an error log line, a red status, and Catch sees it on input`, async () => {
      await helper.load(nodes, flow(c.connector));
      assert.ok(
        errorLines().some((l) => c.error.test(l)),
        `an error naming the field: ${JSON.stringify(errorLines())}`,
      );
      const caught = collect(helper.getNode("caught") as never);
      (helper.getNode("conn") as unknown as { receive(m: unknown): void }).receive({ payload: { Speed: 1 } });
      await until(() => caught.length, 3000, "the problem at Catch");
      assert.match(String((caught[0]?.error as { message?: string } | undefined)?.message), c.error);
    });
  }

  it("POST /mfg-machine-connector/tags/csv parses pasted tags and reports problems by tag", async () => {
    await helper.load(nodes, flow({ tags: [{ name: "Speed", address: "i=1" }] }));
    const ok = await helper
      .request()
      .post("/mfg-machine-connector/tags/csv")
      .send({ csv: "Speed\tns=1;s=Line.Filler.Speed\t\tDouble\nBad\tLine.Filler.X", source: "opcua" });
    assert.equal(ok.status, 200, ok.text);
    const body = ok.body as {
      tags: Array<{ name: string; address: string; type: string }>;
      problems: string;
    };
    assert.deepEqual(
      body.tags.map((t) => [t.name, t.address, t.type]),
      [
        ["Speed", "ns=1;s=Line.Filler.Speed", "Double"],
        ["Bad", "Line.Filler.X", "auto"],
      ],
    );
    assert.match(body.problems, /tags\[1\] "Bad"\.address must be an OPC UA NodeId/);
    const bad = await helper.request().post("/mfg-machine-connector/tags/csv").send({ csv: 'A,"i=1' });
    assert.equal(bad.status, 400);
    assert.match(String((bad.body as { message?: string }).message), /^line 1 has an unclosed quote$/);
    const none = await helper.request().post("/mfg-machine-connector/tags/csv").send({});
    assert.equal(none.status, 400);
  });
});
