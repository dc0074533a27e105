/** mfg-asset: one machine's place in the ISA-95 hierarchy, shared by every node about it. */
import type { NodeAPI, NodeDef } from "node-red";
import { assetPath, checkAsset } from "../../lib/asset";
import { formatErrors, makeConfigValidator } from "../../lib/validate";
import { type AssetConfig, type AssetNode, configSchema } from "./config";

const parseConfig = makeConfigValidator<AssetConfig>(configSchema);

export = (RED: NodeAPI) => {
  function AssetConfigNode(this: AssetNode, def: NodeDef & Partial<AssetConfig>) {
    RED.nodes.createNode(this, def);
    const config = parseConfig({ ...def });
    const checked = config.ok ? checkAsset(config.value) : config;
    if (checked.ok) {
      this.identity = checked.value;
      this.path = assetPath(checked.value);
    } else {
      this.problem = formatErrors(checked.errors, "asset");
      this.error(RED._("asset.errors.invalid", { problem: this.problem }));
    }
  }
  RED.nodes.registerType("mfg-asset", AssetConfigNode);
};
