/**
 * dist/ as Node-RED loads it: each node's .js, .html, locale catalog, help and icon side by side;
 * each .html registers a literal `mfg-` type whose editor defaults match the node's typed config;
 * every non-config node appears in an example flow; the demo factory flow is whole and every
 * suite node in it is configured with every field its editor has, valid for its config schema.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { runInNewContext } from "node:vm";
import { TAG_TYPES } from "../../lib/connector/tags";
import { makeConfigValidator } from "../../lib/validate";

const ROOT = join(__dirname, "..", "..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  name: string;
  keywords: string[];
  files: string[];
  license: string;
  dependencies: Record<string, string>;
  "node-red": { version: string; nodes: Record<string, string> };
};

interface Registration {
  type: string;
  def: { category: string; defaults: Record<string, unknown>; icon?: string; inputs?: number };
}

/** Runs the editor script of a node .html against a stand-in RED and returns what it registered. */
function registrations(html: string): Registration[] {
  const found: Registration[] = [];
  const scripts = [...html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)].map(
    (m) => m[1] ?? "",
  );
  const RED = {
    nodes: { registerType: (type: string, def: Registration["def"]) => found.push({ type, def }) },
    validators: {},
    _: (k: string) => k,
  };
  for (const code of scripts) runInNewContext(code, { RED, $: () => ({}) });
  return found;
}

const nodes = Object.entries(pkg["node-red"].nodes).map(([set, file]) => {
  const js = join(ROOT, file);
  const name = basename(file, ".js");
  return { set, name, js, dir: dirname(js) };
});

describe("package: dist/ as Node-RED loads it", () => {
  it("package.json is a Node-RED module of the suite", () => {
    assert.equal(pkg.name, "@mfgkit/node-red-mes");
    assert.equal(pkg.license, "Apache-2.0");
    assert.ok(pkg.keywords.includes("node-red"));
    assert.deepEqual(pkg.files, ["dist/", "examples/"]);
    assert.match(pkg["node-red"].version, /^>=\d/);
    assert.ok(nodes.length >= 2);
    // every node folder in nodes/ is declared, and nothing else
    const folders = readdirSync(join(ROOT, "nodes")).filter((f) => f !== "shared");
    assert.deepEqual(nodes.map((n) => n.name).sort(), folders.sort());
  });

  for (const node of nodes) {
    describe(`${node.set}`, () => {
      const htmlFile = join(node.dir, `${node.name}.html`);

      it("has its .js, .html, locale catalog and help side by side", () => {
        assert.ok(existsSync(node.js), `${node.js} (run npm run build)`);
        assert.equal(node.set, node.name, "node-set name = file name");
        assert.ok(existsSync(htmlFile), htmlFile);
        const catalog = join(node.dir, "locales", "en-US", `${node.name}.json`);
        const help = join(node.dir, "locales", "en-US", `${node.name}.html`);
        const messages = JSON.parse(readFileSync(catalog, "utf8")) as Record<string, unknown>;
        assert.ok(messages[node.name], `catalog has the "${node.name}" namespace`);
        const helpText = readFileSync(help, "utf8");
        assert.match(helpText, new RegExp(`data-help-name="mfg-${node.name}"`));
        assert.ok(helpText.length > 400, "help says something");
      });

      it("registers a literal mfg- type, in the suite's category, with its icon beside it", () => {
        const html = readFileSync(htmlFile, "utf8");
        assert.match(html, new RegExp(`RED\\.nodes\\.registerType\\(\\s*["']mfg-${node.name}["']`));
        const regs = registrations(html);
        assert.equal(regs.length, 1);
        const [reg] = regs;
        assert.equal(reg?.type, `mfg-${node.name}`);
        assert.ok(["manufacturing", "config"].includes(reg?.def.category ?? ""), reg?.def.category);
        if (reg?.def.category !== "config") {
          assert.ok(reg?.def.icon, "a palette node has an icon");
          assert.ok(
            existsSync(join(node.dir, "icons", reg.def.icon)),
            `icons/${reg.def.icon} next to the node`,
          );
        }
        assert.match(html, new RegExp(`data-template-name="mfg-${node.name}"`));
      });

      it("editor defaults match the node's typed config", () => {
        const reg = registrations(readFileSync(htmlFile, "utf8"))[0];
        const { configSchema } = require(join(node.dir, "config.js")) as {
          configSchema: { properties: Record<string, unknown> };
        };
        assert.deepEqual(
          Object.keys(reg?.def.defaults ?? {}).sort(),
          Object.keys(configSchema.properties).sort(),
        );
      });

      it("runtime module exports the Node-RED registration function", () => {
        const mod = require(node.js) as unknown;
        assert.equal(typeof mod, "function");
      });
    });
  }

  it("every non-config node appears in at least one example flow, and examples are importable", () => {
    const files = readdirSync(join(ROOT, "examples")).filter((f) => f.endsWith(".json"));
    assert.ok(files.length > 0);
    const used = new Set<string>();
    for (const f of files) {
      const flow = JSON.parse(readFileSync(join(ROOT, "examples", f), "utf8")) as Array<{
        id: string;
        type: string;
        wires?: string[][];
      }>;
      assert.ok(Array.isArray(flow), `${f} is a flow array`);
      const ids = new Set(flow.map((n) => n.id));
      assert.equal(ids.size, flow.length, `${f}: unique ids`);
      for (const n of flow) {
        used.add(n.type);
        for (const target of (n.wires ?? []).flat())
          assert.ok(ids.has(target), `${f}: ${n.id} wired to missing ${target}`);
      }
    }
    for (const node of nodes) {
      const reg = registrations(readFileSync(join(node.dir, `${node.name}.html`), "utf8"))[0];
      if (reg?.def.category !== "config")
        assert.ok(used.has(reg?.type ?? ""), `${reg?.type} is in an example`);
    }
  });

  it("the connector editor offers exactly the data types lib/connector/tags.ts accepts", () => {
    const html = readFileSync(join(ROOT, "nodes", "machine-connector", "machine-connector.html"), "utf8");
    const list = /var TAG_TYPES = (\[[^\]]*\]);/.exec(html)?.[1];
    assert.ok(list, "the editor declares TAG_TYPES");
    assert.deepEqual(JSON.parse(list.replace(/,\s*\]$/, "]")), [...TAG_TYPES]);
  });

  it("runtime dependencies are only what the nodes require", () => {
    const deps = Object.keys(pkg.dependencies ?? {});
    const required = new Set<string>();
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith(".js")) {
          for (const m of readFileSync(p, "utf8").matchAll(/require\("([^."][^"]*)"\)/g)) {
            const spec = m[1] ?? "";
            if (spec.startsWith("node:")) continue;
            required.add(
              spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] ?? ""),
            );
          }
        }
      }
    };
    walk(join(ROOT, "dist"));
    const builtins = new Set(require("node:module").builtinModules as string[]);
    const external = [...required].filter((r) => !builtins.has(r));
    assert.deepEqual(deps.sort(), external.sort());
  });

  it("the demo factory flow: unique ids, wires and references resolve, suite nodes fully and validly configured", () => {
    const flow = JSON.parse(readFileSync(join(ROOT, "flows", "demo-factory.json"), "utf8")) as Array<
      Record<string, unknown> & { id: string; type: string }
    >;
    const ids = new Set<string>();
    for (const n of flow) {
      assert.ok(!ids.has(n.id), `id ${n.id} is unique`);
      ids.add(n.id);
    }
    const byType = new Map(nodes.map((node) => [`mfg-${node.name}`, node]));
    for (const n of flow) {
      if (typeof n.z === "string") assert.ok(ids.has(n.z), `${n.id}: its tab ${n.z} exists`);
      for (const output of (n.wires as string[][] | undefined) ?? [])
        for (const target of output) assert.ok(ids.has(target), `${n.id}: wire to ${target} resolves`);
      const node = byType.get(n.type);
      if (!node) continue;
      const reg = registrations(readFileSync(join(node.dir, `${node.name}.html`), "utf8"))[0];
      const defaults = reg?.def.defaults ?? {};
      for (const [key, def] of Object.entries(defaults)) {
        assert.ok(key in n, `${n.id} (${n.type}) has the field ${key}`);
        // A reference to a config node (asset, endpoint, calendar, ...) resolves when set.
        const refType = (def as { type?: string }).type;
        if (refType && n[key])
          assert.ok(ids.has(String(n[key])), `${n.id}.${key} refers to a node of the flow`);
      }
      const { configSchema } = require(join(node.dir, "config.js")) as {
        configSchema: Record<string, unknown>;
      };
      // npm start sets the environment the flow refers to (scripts/start.ts), as Node-RED substitutes it.
      const env: Record<string, string> = { MFG_OPCUA_ENDPOINT: "opc.tcp://127.0.0.1:4840" };
      const resolved = JSON.parse(JSON.stringify(n), (_k, v: unknown) =>
        typeof v === "string" ? v.replace(/^\$\{(\w+)\}$/, (m, name: string) => env[name] ?? m) : v,
      );
      const checked = makeConfigValidator(configSchema)(resolved);
      assert.ok(checked.ok, `${n.id} (${n.type}) passes its config schema: ${JSON.stringify(checked)}`);
    }
  });
});
