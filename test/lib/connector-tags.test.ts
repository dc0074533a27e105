import assert from "node:assert/strict";
import { checkTags, isNodeId, parseJsonPath, parseTagCsv, type TagConfig } from "../../lib/connector/tags";
import { formatErrors } from "../../lib/validate";

const NO_DEADBAND = { deadbandType: "none", deadband: 0 } as const;

function tag(over: Partial<TagConfig>): TagConfig {
  return {
    name: "Speed",
    address: "ns=1;s=Line.Filler.Speed",
    path: "",
    type: "Double",
    scale: 1,
    offset: 0,
    unit: "",
    deadbandType: "",
    deadband: 0,
    staleMs: 0,
    ...over,
  };
}

describe("lib/connector/tags: NodeIds (OPC 10000-6 5.3.1.10)", () => {
  const valid = [
    "i=2258",
    "ns=0;i=2258",
    "ns=1;s=Line.Filler.Speed",
    "ns=2;s=with;semicolons and spaces",
    "ns=3;g=09087e75-8e5e-499b-954f-f2a9603db28a",
    "ns=1;b=M/RbKBsRVkePCePcx24oRA==",
    "nsu=urn:mfgkit:line-simulator;s=Line.Filler.Speed",
    "ns=65535;i=4294967295",
  ];
  const invalid = [
    "",
    "Line.Filler.Speed",
    "ns=1;x=1",
    "ns=1;i=abc",
    "ns=1;i=4294967296",
    "ns=65536;i=1",
    "ns=1;s=",
    "ns=1;g=not-a-guid",
    "ns=1,s=Speed",
  ];
  for (const id of valid) it(`accepts ${JSON.stringify(id)}`, () => assert.equal(isNodeId(id), true, id));
  for (const id of invalid) it(`refuses ${JSON.stringify(id)}`, () => assert.equal(isNodeId(id), false, id));
});

describe("lib/connector/tags: JSON paths", () => {
  const table: Array<[string, Array<string | number> | undefined]> = [
    ["", []],
    ["$", []],
    ["speed", ["speed"]],
    ["data.speed", ["data", "speed"]],
    ["$.data.values[2]", ["data", "values", 2]],
    ["values[0][1]", ["values", 0, 1]],
    ["data['a.b'].c", ["data", "a.b", "c"]],
    ["data..x", undefined],
    ["data[", undefined],
    ["data[x]", undefined],
  ];
  for (const [path, expected] of table) {
    it(`${JSON.stringify(path)} -> ${JSON.stringify(expected)}`, () =>
      assert.deepEqual(parseJsonPath(path), expected));
  }
});

describe("lib/connector/tags: checkTags", () => {
  it("normalises a valid OPC UA tag list and applies the connector's deadband to tags that set none", () => {
    const r = checkTags(
      [
        tag({ name: " Speed ", unit: " m/min " }),
        tag({ name: "Good", address: "ns=1;i=7", type: "UInt32", deadbandType: "none" }),
      ],
      "opcua",
      { deadbandType: "absolute", deadband: 0.5 },
    );
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.value[0]?.name, "Speed");
    assert.equal(r.value[0]?.unit, "m/min");
    assert.deepEqual(r.value[0]?.deadband, { type: "absolute", value: 0.5 });
    assert.equal(r.value[1]?.deadband, undefined, "a tag's own 'none' wins over the default");
  });

  const refused: Array<{ what: string; tags: TagConfig[]; source: "opcua" | "mqtt"; text: RegExp }> = [
    {
      what: "a malformed NodeId, naming the tag",
      tags: [tag({}), tag({ name: "Temp", address: "ns=1;Line.Filler.Temp" })],
      source: "opcua",
      text: /^config\.tags\[1\] "Temp"\.address must be an OPC UA NodeId like ns=1;s=Line\.Filler\.Speed or i=2258, got "ns=1;Line\.Filler\.Temp"$/,
    },
    {
      what: "an unknown data type, naming the tag",
      tags: [tag({ type: "Float64" as TagConfig["type"] })],
      source: "opcua",
      text: /^config\.tags\[0\] "Speed"\.type must be one of auto, Boolean, .*DateTime, got "Float64"$/,
    },
    {
      what: "a duplicate name",
      tags: [tag({}), tag({ address: "i=1" })],
      source: "opcua",
      text: /tags\[1\] "Speed"\.name must be unique/,
    },
    {
      what: "a missing name",
      tags: [tag({ name: "  " })],
      source: "opcua",
      text: /tags\[0\]\.name is required/,
    },
    {
      what: "an MQTT wildcard topic",
      tags: [tag({ address: "plant/+/speed" })],
      source: "mqtt",
      text: /tags\[0\] "Speed"\.address must be a topic without the wildcards/,
    },
    {
      what: "a JSON path on an OPC UA tag",
      tags: [tag({ path: "a.b" })],
      source: "opcua",
      text: /tags\[0\] "Speed"\.path is for MQTT tags only/,
    },
    {
      what: "a malformed JSON path",
      tags: [tag({ address: "plant/filler", path: "a[" })],
      source: "mqtt",
      text: /tags\[0\] "Speed"\.path must be a JSON path/,
    },
    {
      what: "scale 0",
      tags: [tag({ scale: 0 })],
      source: "opcua",
      text: /"Speed"\.scale must be a finite number other than 0/,
    },
    {
      what: "scaling a string tag",
      tags: [tag({ type: "String", scale: 2 })],
      source: "opcua",
      text: /"Speed"\.scale applies to numeric types only, not String/,
    },
    {
      what: "a percent deadband over 100",
      tags: [tag({ deadbandType: "percent", deadband: 150 })],
      source: "opcua",
      text: /"Speed"\.deadband must be a percentage 0\.\.100/,
    },
    {
      what: "a negative watchdog limit",
      tags: [tag({ staleMs: -1 })],
      source: "opcua",
      text: /"Speed"\.staleMs must be milliseconds >= 0/,
    },
  ];
  for (const row of refused) {
    it(`refuses ${row.what}`, () => {
      const r = checkTags(row.tags, row.source, NO_DEADBAND);
      assert.ok(!r.ok, "must be refused");
      const text = formatErrors(r.errors, "config");
      assert.match(text, row.text);
    });
  }
});

describe("lib/connector/tags: CSV", () => {
  it("reads comma CSV with a header, quotes and defaults", () => {
    const csv = [
      "name,address,type,unit,staleMs",
      'Speed,"ns=1;s=Line.Filler.Speed",Double,m/min,5000',
      'Alarm,"ns=1;s=Line.Filler.AlarmText",String,,',
      '"Count ""good""",ns=1;s=Line.Filler.GoodCount,UInt32',
    ].join("\n");
    const r = parseTagCsv(csv);
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.value.length, 3);
    assert.deepEqual(r.value[0], {
      name: "Speed",
      address: "ns=1;s=Line.Filler.Speed",
      path: "",
      type: "Double",
      scale: 1,
      offset: 0,
      unit: "m/min",
      deadbandType: "",
      deadband: 0,
      staleMs: 5000,
    });
    assert.equal(r.value[1]?.staleMs, 0);
    assert.equal(r.value[2]?.name, 'Count "good"');
    assert.equal(
      r.value[2]?.address,
      "ns=1;s=Line.Filler.GoodCount",
      "a ; inside an unquoted NodeId is not a separator",
    );
  });

  it("reads cells pasted from a spreadsheet (tabs, CRLF, no header) in the documented column order", () => {
    const r = parseTagCsv("Speed\tplant/filler\tdata.speed\tDouble\t0.1\t2\tm/min\tabsolute\t0.5\t1000\r\n");
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.value[0], {
      name: "Speed",
      address: "plant/filler",
      path: "data.speed",
      type: "Double",
      scale: 0.1,
      offset: 2,
      unit: "m/min",
      deadbandType: "absolute",
      deadband: 0.5,
      staleMs: 1000,
    });
  });

  it("names the line of a bad number, an unclosed quote, too many cells and unknown header columns", () => {
    const cases: Array<[string, RegExp]> = [
      ["Speed,i=1,,Double,abc", /^csv\.line 1\.scale must be a number, got "abc"$/],
      ['Speed,"i=1', /^csv\.line 1 has an unclosed quote$/],
      ["\n\nSpeed,i=1,,,,,,,,,extra", /^csv\.line 3 has 11 cells; at most 10/],
      ["name,nodeid\nSpeed,i=1", /^csv\.line 1 names unknown columns nodeid/],
    ];
    for (const [csv, re] of cases) {
      const r = parseTagCsv(csv);
      assert.ok(!r.ok, csv);
      assert.match(formatErrors(r.errors, "csv"), re);
    }
  });
});
