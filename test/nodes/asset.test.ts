import assert from "node:assert/strict";
import type { AssetNode } from "../../nodes/asset/config";
import { assetNode, helper } from "../support/node-red";

describe("mfg-asset (config node)", () => {
  afterEach(async () => {
    await helper.unload();
  });

  it("gives its ISA-95 path to the nodes that use it", async () => {
    await helper.load(
      [assetNode],
      [
        {
          id: "a1",
          type: "mfg-asset",
          site: " berlin",
          area: "packaging",
          line: "line-1",
          cell: "cell-2",
          machine: "filler",
          description: "",
        },
      ],
    );
    const node = helper.getNode("a1") as unknown as AssetNode;
    assert.equal(node.path, "berlin/packaging/line-1/cell-2/filler");
    assert.deepEqual(node.identity, {
      site: "berlin",
      area: "packaging",
      line: "line-1",
      cell: "cell-2",
      machine: "filler",
    });
    assert.equal(node.problem, undefined);
  });

  it("names the missing level and has no path", async () => {
    await helper.load(
      [assetNode],
      [{ id: "a1", type: "mfg-asset", site: "berlin", area: "", line: "line-1", machine: "filler" }],
    );
    const node = helper.getNode("a1") as unknown as AssetNode;
    assert.equal(node.path, undefined);
    assert.equal(node.problem, "asset.area is required");
  });
});
