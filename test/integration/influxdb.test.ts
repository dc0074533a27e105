// The real influxd started by the root hooks: database creation, line-protocol writes with every field
// type, exact read-back, and data surviving restart()/kill()+start() of a private instance.

import assert from "node:assert/strict";
import { type InfluxService, startInfluxd } from "../../scripts/services";
import { influx, uniqueName } from "../support/peers";

type Row = Record<string, unknown>;

interface QueryResponse {
  results?: {
    statement_id?: number;
    error?: string;
    series?: { name: string; columns: string[]; values: unknown[][] }[];
  }[];
  error?: string;
}

async function influxQuery(
  url: string,
  q: string,
  opts: { db?: string; method?: "GET" | "POST"; epoch?: "ms" } = {},
): Promise<QueryResponse> {
  const params = new URLSearchParams({ q });
  if (opts.db !== undefined) params.set("db", opts.db);
  if (opts.epoch !== undefined) params.set("epoch", opts.epoch);
  const method = opts.method ?? "GET";
  const res =
    method === "GET"
      ? await fetch(`${url}/query?${params}`, { signal: AbortSignal.timeout(10_000) })
      : await fetch(`${url}/query`, { method: "POST", body: params, signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as QueryResponse;
  assert.equal(res.status, 200, `query ${q} -> HTTP ${res.status}: ${JSON.stringify(body)}`);
  assert.equal(body.error, undefined, `query ${q} failed: ${body.error}`);
  for (const result of body.results ?? [])
    assert.equal(result.error, undefined, `query ${q}: ${result.error}`);
  return body;
}

async function createDatabase(url: string, db: string): Promise<void> {
  await influxQuery(url, `CREATE DATABASE "${db}"`, { method: "POST" });
}

async function writeLines(url: string, db: string, lines: string[]): Promise<void> {
  const res = await fetch(`${url}/write?db=${encodeURIComponent(db)}&precision=ms`, {
    method: "POST",
    body: lines.join("\n"),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  assert.equal(res.status, 204, `write -> HTTP ${res.status}: ${text}`);
}

/** Rows of the first series of the first statement, as column -> value objects. */
async function selectRows(url: string, db: string, q: string, epoch?: "ms"): Promise<Row[]> {
  const body = await influxQuery(url, q, epoch === undefined ? { db } : { db, epoch });
  const series = body.results?.[0]?.series ?? [];
  assert.equal(series.length, 1, `expected one series from ${q}, got ${JSON.stringify(body)}`);
  const { columns, values } = series[0]!;
  return values.map((row) => Object.fromEntries(columns.map((column, i) => [column, row[i]])));
}

const T0 = 1_700_000_000_000; // 2023-11-14T22:13:20.000Z

const LINES = [
  `press,line=L1,machine=press\\ 01 temp=21.5,i=42i,running=true,state="RUNNING" ${T0}`,
  `press,line=L1,machine=press\\ 01 temp=-3.25,i=-7i,running=false,state="say \\"hi\\", ok" ${T0 + 1}`,
  `press,line=L2,machine=press\\ 02 temp=1000,i=9007199254740991i,running=true,state="IDLE" ${T0 + 500}`,
  `press,line=L2,machine=press\\ 02 temp=0.125,i=0i,running=false,state="" ${T0 + 60_000}`,
];

const EXPECTED: Row[] = [
  { time: T0, line: "L1", machine: "press 01", temp: 21.5, i: 42, running: true, state: "RUNNING" },
  {
    time: T0 + 1,
    line: "L1",
    machine: "press 01",
    temp: -3.25,
    i: -7,
    running: false,
    state: 'say "hi", ok',
  },
  {
    time: T0 + 500,
    line: "L2",
    machine: "press 02",
    temp: 1000,
    i: 9007199254740991,
    running: true,
    state: "IDLE",
  },
  { time: T0 + 60_000, line: "L2", machine: "press 02", temp: 0.125, i: 0, running: false, state: "" },
];

describe("integration: influxd (real InfluxDB 1.x)", () => {
  it("answers /ping with 204 on 127.0.0.1", async () => {
    const { url } = influx();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(res.status, 204);
    assert.ok(res.headers.get("x-influxdb-version")?.startsWith("1."), "influxd must be 1.x");
  });

  it("creates a database, writes line protocol (ms precision) and reads back exact values and times", async () => {
    const { url } = influx();
    const db = uniqueName("it_write");
    await createDatabase(url, db);

    const dbs = await influxQuery(url, "SHOW DATABASES");
    const names = (dbs.results?.[0]?.series?.[0]?.values ?? []).map((row) => row[0]);
    assert.ok(names.includes(db), `SHOW DATABASES lacks ${db}: ${JSON.stringify(names)}`);

    await writeLines(url, db, LINES);

    const rows = await selectRows(url, db, "SELECT * FROM press ORDER BY time ASC", "ms");
    assert.deepEqual(rows, EXPECTED);

    // Default (RFC 3339) timestamps keep the millisecond part.
    const rfc = await selectRows(url, db, "SELECT i FROM press ORDER BY time ASC");
    assert.deepEqual(
      rfc.map((r) => r.time),
      ["2023-11-14T22:13:20Z", "2023-11-14T22:13:20.001Z", "2023-11-14T22:13:20.5Z", "2023-11-14T22:14:20Z"],
    );

    // Field types are what the line protocol said (i -> integer, not float).
    const keys = await selectRows(url, db, "SHOW FIELD KEYS FROM press");
    assert.deepEqual(Object.fromEntries(keys.map((r) => [r.fieldKey, r.fieldType])), {
      i: "integer",
      running: "boolean",
      state: "string",
      temp: "float",
    });

    // Tags can be filtered on.
    const l2 = await selectRows(
      url,
      db,
      `SELECT i, temp FROM press WHERE machine = 'press 02' ORDER BY time`,
      "ms",
    );
    assert.deepEqual(l2, [
      { time: T0 + 500, i: 9007199254740991, temp: 1000 },
      { time: T0 + 60_000, i: 0, temp: 0.125 },
    ]);
  });

  describe("a private instance", () => {
    let own: InfluxService | undefined;

    beforeEach(async function () {
      this.timeout(60000);
      own = await startInfluxd();
    });

    afterEach(async function () {
      this.timeout(30000);
      await own?.stop();
      own = undefined;
    });

    it("runs next to the shared one without port collisions", async () => {
      const svc = own!;
      assert.notEqual(svc.port, influx().port);
      assert.notEqual(svc.dataDir, influx().dataDir);
      for (const url of [svc.url, influx().url]) {
        const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(10_000) });
        assert.equal(res.status, 204, url);
      }
    });

    it("keeps data across restart() on the same port", async function () {
      this.timeout(60000);
      const svc = own!;
      const db = uniqueName("it_restart");
      await createDatabase(svc.url, db);
      await writeLines(svc.url, db, LINES);
      const pidBefore = svc.pid;
      const urlBefore = svc.url;

      await svc.restart();

      assert.ok(svc.running);
      assert.notEqual(svc.pid, pidBefore, "restart() must start a new process");
      assert.equal(svc.url, urlBefore);
      assert.deepEqual(
        await selectRows(svc.url, db, "SELECT * FROM press ORDER BY time ASC", "ms"),
        EXPECTED,
      );
    });

    it("keeps data across kill() (SIGKILL) and a later start()", async function () {
      this.timeout(60000);
      const svc = own!;
      const db = uniqueName("it_kill");
      await createDatabase(svc.url, db);
      await writeLines(svc.url, db, LINES);

      await svc.kill();
      assert.equal(svc.running, false);
      assert.equal(svc.pid, undefined);
      await assert.rejects(fetch(`${svc.url}/ping`, { signal: AbortSignal.timeout(2_000) }));

      await svc.start();
      assert.deepEqual(
        await selectRows(svc.url, db, "SELECT * FROM press ORDER BY time ASC", "ms"),
        EXPECTED,
      );
    });
  });
});
