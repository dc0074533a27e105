/**
 * The packed tarball, installed into a fresh Node-RED user directory the way a user installs it
 * (`npm install <tarball>`), loads in Node-RED 4.1 without errors; the editor shows the suite's
 * palette category (headless Chromium); the example flow deploys and runs.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { type RunningNodeRed, startNodeRed } from "../../scripts/node-red";
import { freePort } from "../../scripts/services";
import { tempDir } from "../support/node-red";

const ROOT = join(__dirname, "..", "..");
const SCREENSHOTS = join(ROOT, ".tmp", "screenshots");

describe("package: npm pack, install into a user directory, load in Node-RED 4.1", function () {
  this.timeout(180_000);
  let tmp: ReturnType<typeof tempDir>;
  let red: RunningNodeRed;

  before(async () => {
    tmp = tempDir("mfg-pack-");
    const packed = execFileSync("npm", ["pack", "--silent", "--pack-destination", tmp.dir], {
      cwd: ROOT,
      encoding: "utf8",
    })
      .trim()
      .split("\n")
      .pop() as string;
    const userDir = join(tmp.dir, "user");
    mkdirSync(userDir);
    writeFileSync(join(userDir, "package.json"), JSON.stringify({ name: "node-red-project", private: true }));
    execFileSync(
      "npm",
      ["install", "--no-audit", "--no-fund", "--prefer-offline", "--omit=dev", join(tmp.dir, packed)],
      { cwd: userDir, stdio: "pipe" },
    );
    red = await startNodeRed(userDir, { port: await freePort() });
  });

  after(async () => {
    await red?.stop();
    tmp?.remove();
  });

  it("the tarball holds dist/ and examples/, no sources or tests", () => {
    const listing = execFileSync("npm", ["pack", "--dry-run", "--json"], { cwd: ROOT, encoding: "utf8" });
    const files =
      (JSON.parse(listing) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map((f) => f.path) ?? [];
    assert.ok(files.includes("dist/nodes/validate/validate.js"));
    assert.ok(files.includes("examples/validate-machine-data.json"));
    assert.ok(files.includes("examples/opcua-machine-connector.json"));
    assert.ok(files.includes("examples/mqtt-machine-connector.json"));
    assert.ok(files.includes("dist/nodes/machine-connector/icons/mfg-machine-connector.svg"));
    assert.deepEqual(
      files.filter((f) => /^(lib|nodes|test|sim|scripts|bench)\//.test(f) || f.endsWith(".ts")),
      [],
    );
  });

  it("every node set of the package is loaded, without errors", async () => {
    const res = await fetch(`${red.url}/nodes`, { headers: { Accept: "application/json" } });
    const sets = (await res.json()) as Array<{
      id: string;
      module: string;
      enabled: boolean;
      loaded: boolean;
      err?: string;
      types: string[];
    }>;
    const ours = sets.filter((s) => s.module === "@mfgkit/node-red-mes");
    const declared = Object.keys(
      (
        JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
          "node-red": { nodes: Record<string, string> };
        }
      )["node-red"].nodes,
    );
    assert.deepEqual(ours.map((s) => s.id.split("/").pop()).sort(), declared.sort());
    for (const s of ours) {
      assert.equal(s.err, undefined, `${s.id}: ${s.err}`);
      assert.ok(s.enabled, s.id);
    }
    assert.deepEqual(ours.flatMap((s) => s.types).sort(), [
      "mfg-asset",
      "mfg-machine-connector",
      "mfg-mqtt-broker",
      "mfg-oee-calculator",
      "mfg-opcua-endpoint",
      "mfg-shift-calendar",
      "mfg-spc-check",
      "mfg-state-classifier",
      "mfg-validate",
    ]);
    const errors = red.log.filter((l) => /\[error\]|\[warn\].*mfgkit/i.test(l));
    assert.deepEqual(errors, []);
  });

  it("serves each node's editor, help, catalog and icon", async () => {
    const html = await (await fetch(`${red.url}/nodes`, { headers: { Accept: "text/html" } })).text();
    assert.match(html, /registerType\("mfg-validate"/);
    assert.match(html, /data-help-name="mfg-validate"/);
    const catalog = (await (
      await fetch(`${red.url}/locales/@mfgkit/node-red-mes/validate?lng=en-US`)
    ).json()) as {
      validate?: { label?: { kind?: string } };
    };
    assert.equal(catalog.validate?.label?.kind, "Kind");
    for (const type of [
      "mfg-validate",
      "mfg-machine-connector",
      "mfg-state-classifier",
      "mfg-oee-calculator",
    ]) {
      const icon = await fetch(`${red.url}/icons/@mfgkit/node-red-mes/${type}.svg`);
      assert.equal(icon.status, 200, type);
      assert.match(await icon.text(), /<svg/);
    }
    for (const type of ["mfg-opcua-endpoint", "mfg-mqtt-broker", "mfg-machine-connector"]) {
      assert.match(html, new RegExp(`registerType\\("${type}"`), `${type} editor`);
      assert.match(html, new RegExp(`data-help-name="${type}"`), `${type} help`);
    }
    const connector = (await (
      await fetch(`${red.url}/locales/@mfgkit/node-red-mes/machine-connector?lng=en-US`)
    ).json()) as Record<string, { status?: { ok?: string } }>;
    assert.equal(
      connector["machine-connector"]?.status?.ok,
      "__tags__ tags",
      "the connector's catalog is served",
    );
  });

  it("the example flow is offered for import and deploys without errors", async () => {
    const library = await fetch(
      `${red.url}/library/examples/flows/@mfgkit/node-red-mes/validate-machine-data`,
    );
    assert.equal(library.status, 200, await library.clone().text());
    const flow = (await library.json()) as unknown[];
    const deploy = await fetch(`${red.url}/flows`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Node-RED-Deployment-Type": "full" },
      body: JSON.stringify(flow),
    });
    assert.ok([200, 204].includes(deploy.status), await deploy.text());
    // the runtime starts the new flows just after answering the deploy: ask a bounded few times
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      status = (await fetch(`${red.url}/inject/ex-validate-inject-good`, { method: "POST" })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(status, 200);
    const deployed = (await (await fetch(`${red.url}/flows`)).json()) as Array<{ type: string }>;
    assert.ok(deployed.some((n) => n.type === "mfg-validate"));
    assert.deepEqual(
      red.log.filter((l) => /\[error\]/.test(l)),
      [],
    );
  });

  it("every example flow is offered under Import > Examples and deploys without errors", async () => {
    const names = readdirSync(join(ROOT, "examples"))
      .filter((f) => f.endsWith(".json"))
      .map((f) => f.replace(/\.json$/, ""));
    for (const name of names) {
      const library = await fetch(`${red.url}/library/examples/flows/@mfgkit/node-red-mes/${name}`);
      assert.equal(library.status, 200, `${name}: ${await library.clone().text()}`);
      const flow = (await library.json()) as Array<{ type: string }>;
      const from = red.log.length;
      const deploy = await fetch(`${red.url}/flows`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Node-RED-Deployment-Type": "full" },
        body: JSON.stringify(flow),
      });
      assert.ok([200, 204].includes(deploy.status), `${name}: ${await deploy.text()}`);
      const deployed = (await (await fetch(`${red.url}/flows`)).json()) as Array<{ type: string }>;
      assert.deepEqual(
        deployed.map((n) => n.type).sort(),
        flow.map((n) => n.type).sort(),
        `${name}: the runtime holds the example's nodes`,
      );
      // Examples talk to local peers that may be absent here: warnings are fine, errors are not.
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(
        red.log.slice(from).filter((l) => /\[error\]/.test(l)),
        [],
        `${name}: no errors after deploying`,
      );
    }
  });

  it("the editor shows the suite's category and node in the palette (headless Chromium)", async () => {
    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(red.url, { waitUntil: "domcontentloaded" });
      const category = page.locator("#red-ui-palette-container-manufacturing");
      await category.waitFor({ state: "attached", timeout: 60_000 });
      const node = page.locator('#red-ui-palette-container-manufacturing [data-palette-type="mfg-validate"]');
      assert.equal(await node.count(), 1);
      const connector = page.locator(
        '#red-ui-palette-container-manufacturing [data-palette-type="mfg-machine-connector"]',
      );
      assert.equal(await connector.count(), 1, "the machine connector is in the palette");
      await node.scrollIntoViewIfNeeded();
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, "editor-palette.png") });
    } finally {
      await browser.close();
    }
  });
});
