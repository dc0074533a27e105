/**
 * mfg-validate: checks any message against the suite's contract at the boundary of a flow, so a
 * message from a function node, another palette or an HTTP endpoint is known good before the
 * suite relies on it. Optionally builds a MachineSample from plain tag values.
 */
import type { Node, NodeAPI, NodeDef } from "node-red";
import { sampleFromValues } from "../../lib/sample";
import type { SuiteMessage } from "../../lib/types";
import {
  formatErrors,
  makeConfigValidator,
  parseTime,
  TIME_EXPECTED,
  type ValidationResult,
  validate,
  validateMessage,
} from "../../lib/validate";
import type { AssetNode } from "../asset/config";
import { InputError, onInput } from "../shared/errors";
import { StatusReporter } from "../shared/status";
import { configSchema, type ValidateConfig } from "./config";

const parseConfig = makeConfigValidator<ValidateConfig>(configSchema);

export = (RED: NodeAPI) => {
  function ValidateNode(this: Node, def: NodeDef & Partial<ValidateConfig>) {
    RED.nodes.createNode(this, def);
    const status = new StatusReporter(this);
    const parsed = parseConfig({ ...def });
    const config = parsed.ok ? parsed.value : undefined;
    const assetNode = config?.asset ? (RED.nodes.getNode(config.asset) as AssetNode | null) : null;
    let problem: string | undefined;
    if (!parsed.ok) problem = formatErrors(parsed.errors, "config");
    else if (config?.asset && !assetNode) problem = RED._("validate.errors.noAsset");
    else if (assetNode?.problem) problem = assetNode.problem;
    if (problem) {
      this.error(problem);
      status.set("error", RED._("validate.status.config"));
    } else {
      status.set("idle", RED._("validate.status.idle"));
    }
    let valid = 0;
    let invalid = 0;

    onInput(this, status, (msg, send) => {
      if (problem || !config) throw new Error(problem);
      const assetPath = assetNode?.path;
      let result: ValidationResult<SuiteMessage>;
      const payload = msg.payload;
      const isObject = typeof payload === "object" && payload !== null && !Array.isArray(payload);
      const plain = isObject && !("kind" in payload);
      if (config.wrap && plain) {
        if (!assetPath) throw new Error(RED._("validate.errors.wrapNeedsAsset"));
        const ts = msg.ts === undefined ? Date.now() : parseTime(msg.ts);
        if (ts === undefined) throw new InputError([{ field: "ts", message: TIME_EXPECTED }], "msg");
        result = sampleFromValues(assetPath, payload, ts);
      } else {
        // The configured asset fills a missing payload.asset; a copy, so a refused input stays as it came.
        const candidate =
          isObject && assetPath && (payload as { asset?: unknown }).asset === undefined
            ? { ...payload, asset: assetPath }
            : payload;
        result = config.kind === "auto" ? validateMessage(candidate) : validate(config.kind, candidate);
      }
      if (!result.ok) {
        invalid++;
        throw new InputError(result.errors);
      }
      valid++;
      msg.payload = result.value;
      const asset = (result.value as { asset?: string }).asset;
      if (asset) msg.topic = asset;
      status.set("ok", RED._("validate.status.counts", { valid, invalid }));
      send(msg);
    });

    this.on("close", (_removed: boolean, done: () => void) => {
      status.close();
      done();
    });
  }
  RED.nodes.registerType("mfg-validate", ValidateNode);
};
