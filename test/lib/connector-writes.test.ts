import assert from "node:assert/strict";
import { readingsFromMessage } from "../../lib/connector/sampler";
import type { Tag } from "../../lib/connector/tags";
import { checkWrites } from "../../lib/connector/writes";
import { formatErrors } from "../../lib/validate";

function tag(name: string, over: Partial<Tag> = {}): Tag {
  return {
    name,
    address: "plant/filler",
    path: [],
    type: "Double",
    scale: 1,
    offset: 0,
    unit: "",
    staleMs: 0,
    ...over,
  };
}

describe("lib/connector/writes: checkWrites", () => {
  const tags = new Map(
    [
      tag("Setpoint", { type: "Int16", scale: 0.5 }),
      tag("Speed", { path: ["speed"] }),
      tag("Mode", { type: "auto" }),
    ].map((t) => [t.name, t]),
  );

  it("gives the raw values to send, inverse-scaled", () => {
    const r = checkWrites(tags, "opcua", { Setpoint: 21, Speed: 3 });
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(
      r.value.map((w) => [w.tag.name, w.raw, w.value]),
      [
        ["Setpoint", 42, 21],
        ["Speed", 3, 3],
      ],
    );
  });

  const refused: Array<[string, unknown, "opcua" | "mqtt", RegExp]> = [
    ["a non-object", [1], "opcua", /^payload must be an object of tag values to write/],
    ["an empty object", {}, "opcua", /^payload must name at least one tag to write$/],
    [
      "an unknown tag",
      { Sped: 1 },
      "opcua",
      /^payload\.Sped is not a tag of this connector \(tags: Setpoint, Speed, Mode\)$/,
    ],
    ["a JSON-path tag over MQTT", { Speed: 1 }, "mqtt", /^payload\.Speed is read from a JSON path/],
    [
      "an undeclared type",
      { Mode: 1 },
      "opcua",
      /^payload\.Mode cannot be written: the tag has no declared data type/,
    ],
    [
      "every bad entry at once",
      { Setpoint: 1.25, Nope: 1 },
      "opcua",
      /Setpoint must give a whole raw value.*; payload\.Nope is not a tag/,
    ],
  ];
  for (const [what, payload, source, re] of refused) {
    it(`refuses ${what}, naming the field, and writes nothing`, () => {
      const r = checkWrites(tags, source, payload);
      assert.ok(!r.ok, "refused");
      assert.match(formatErrors(r.errors), re);
    });
  }
});

describe("lib/connector/sampler: readingsFromMessage", () => {
  const tags = [tag("State", { path: ["state"] }), tag("Good", { path: ["counts", "good"] }), tag("Raw")];

  it("takes each tag's JSON path; a missing path gives no reading", () => {
    assert.deepEqual(readingsFromMessage('{"state":"run","counts":{}}', [0, 1], tags), [
      { tag: 0, raw: "run", quality: "Good" },
    ]);
  });

  it("takes a plain payload as the value of a tag without a path", () => {
    assert.deepEqual(readingsFromMessage("12.5", [2], tags), [{ tag: 2, raw: 12.5, quality: "Good" }]);
    assert.deepEqual(readingsFromMessage("running", [2], tags), [
      { tag: 2, raw: "running", quality: "Good" },
    ]);
  });
});
