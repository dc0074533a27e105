import assert from "node:assert/strict";
import { topicFilterProblem, topicMatches, topicNameProblem, unshared } from "../../lib/mqtt-topic";

describe("lib/mqtt-topic: MQTT topic filters", () => {
  const matches: Array<[filter: string, topic: string, expected: boolean]> = [
    ["line/1/speed", "line/1/speed", true],
    ["line/1/speed", "line/1/Speed", false],
    ["line/1/speed", "line/1/speed/x", false],
    ["line/1/speed", "line/1", false],
    ["line/+/speed", "line/1/speed", true],
    ["line/+/speed", "line/2/speed", true],
    ["line/+/speed", "line/1/temp", false],
    ["line/+/speed", "line/1/2/speed", false],
    ["line/+/speed", "line//speed", true],
    ["line/#", "line/1/speed", true],
    ["line/#", "line", true],
    ["line/#", "line/", true],
    ["line/#", "lines/1", false],
    ["#", "a", true],
    ["#", "a/b/c", true],
    ["#", "/a", true],
    ["+", "a", true],
    ["+", "a/b", false],
    ["+", "/a", false],
    ["+/+", "/a", true],
    ["/+", "/a", true],
    ["+/#", "a", true],
    ["+/+/#", "a", false],
    ["a/+/#", "a/b", true],
    ["#", "$SYS/broker/uptime", false],
    ["+/broker/uptime", "$SYS/broker/uptime", false],
    ["$SYS/#", "$SYS/broker/uptime", true],
    ["$SYS/+/uptime", "$SYS/broker/uptime", true],
    ["$share/g1/line/+/speed", "line/1/speed", true],
    ["$share/g1/line/#", "other/1", false],
    ["Füller/+", "Füller/2", true],
  ];
  for (const [filter, topic, expected] of matches) {
    it(`${JSON.stringify(filter)} ${expected ? "matches" : "does not match"} ${JSON.stringify(topic)}`, () => {
      assert.equal(topicMatches(filter, topic), expected, `${filter} vs ${topic}`);
    });
  }

  const filters: Array<[filter: string, problem: RegExp | undefined]> = [
    ["line/1/speed", undefined],
    ["line/+/speed", undefined],
    ["line/#", undefined],
    ["#", undefined],
    ["+", undefined],
    ["+/+/#", undefined],
    ["/", undefined],
    ["$share/g/line/#", undefined],
    ["", /must not be empty/],
    ["line/#/speed", /"#" must be a whole level and the last one/],
    ["line#", /"#" must be a whole level/],
    ["line/sp#", /"#" must be a whole level/],
    ["line/+x/speed", /"\+" must be a whole level/],
    ["line+", /"\+" must be a whole level/],
    ["a\u0000b", /null character/],
    ["x".repeat(65536), /longer than 65535 bytes/],
    ["$share//a", /group name/],
    ["$share/g+/a", /group name/],
    ["$share/g", /filter after the group/],
  ];
  for (const [filter, problem] of filters) {
    it(`filter ${JSON.stringify(filter.slice(0, 30))} is ${problem ? "refused" : "valid"}`, () => {
      const got = topicFilterProblem(filter);
      if (problem === undefined) assert.equal(got, undefined, `${filter} should be valid`);
      else assert.match(got ?? "(valid)", problem, `${filter} should be refused`);
    });
  }

  const names: Array<[topic: string, problem: RegExp | undefined]> = [
    ["line/1/speed", undefined],
    ["$SYS/x", undefined],
    ["", /must not be empty/],
    ["line/+/speed", /wildcards/],
    ["line/#", /wildcards/],
    ["ä".repeat(32768), /longer than 65535 bytes/],
  ];
  for (const [topic, problem] of names) {
    it(`topic ${JSON.stringify(topic.slice(0, 30))} is ${problem ? "refused" : "valid"}`, () => {
      const got = topicNameProblem(topic);
      if (problem === undefined) assert.equal(got, undefined, `${topic} should be valid`);
      else assert.match(got ?? "(valid)", problem, `${topic} should be refused`);
    });
  }

  it("unshared strips the $share/<group>/ prefix only", () => {
    assert.equal(unshared("$share/g/a/+"), "a/+", "shared");
    assert.equal(unshared("a/+"), "a/+", "plain");
    assert.equal(unshared("$SYS/#"), "$SYS/#", "$SYS");
  });
});
