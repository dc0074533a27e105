// Real peer services (InfluxDB 1.x, Mosquitto 2.x) started as plain child processes on free loopback
// ports with their own config and data in temp dirs. Used by the mocha root hooks (test/hooks/services.ts)
// and by the demo (scripts/start.ts). Nothing here touches the system-wide services or their ports:
// everything binds to 127.0.0.1 on ports picked by the kernel.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  accessSync,
  constants,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/** A daemon owned by this process. */
export interface ManagedService {
  /** "influxd" or "mosquitto". */
  readonly name: string;
  /** Pid of the running process; undefined while it is not running. */
  readonly pid: number | undefined;
  /** True while the process is alive (between a successful start and its exit). */
  readonly running: boolean;
  /** Start the process again after kill() (same port, config and data) and wait until it is ready. */
  start(): Promise<void>;
  /** SIGTERM, wait for exit (SIGKILL after a bounded wait), then remove the temp dirs this service created. Final. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit. Port, config and data are kept; start() brings it back. */
  kill(): Promise<void>;
  /** Graceful stop (SIGTERM, SIGKILL after a bounded wait) and start again on the same port with the same data. */
  restart(): Promise<void>;
  /** Last lines the process wrote (stderr/stdout, and for mosquitto its log file). For error messages. */
  logTail(): string;
}

export interface InfluxService extends ManagedService {
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:41234 (no trailing slash). */
  readonly url: string;
  /** HTTP port. */
  readonly port: number;
  /** Directory holding influxd.conf, meta/, data/ and wal/. */
  readonly dataDir: string;
}

export interface MosquittoService extends ManagedService {
  /** Broker URL for mqtt.js, e.g. mqtt://127.0.0.1:41235. */
  readonly url: string;
  readonly port: number;
  /** Directory holding mosquitto.conf, the log file and the password file. */
  readonly dir: string;
  /** Path of the broker's log file. */
  readonly logFile: string;
  /** The TLS listener, when started with `tls: true`. */
  readonly tls?: MosquittoTls;
}

export interface MosquittoTls {
  /** e.g. mqtts://127.0.0.1:41236 */
  readonly url: string;
  readonly port: number;
  /** PEM of the test CA that signed the broker's certificate (SAN IP:127.0.0.1, DNS:localhost). */
  readonly caFile: string;
}

export interface StartInfluxdOptions {
  /** Persistent directory (created if missing, never removed). Default: a fresh temp dir removed on stop(). */
  dataDir?: string;
  /** HTTP port on 127.0.0.1. Default: a free port. */
  port?: number;
  /** How long to wait for GET /ping to answer 204. Default 30 s. */
  readyTimeoutMs?: number;
}

export interface StartMosquittoOptions {
  /** Port on 127.0.0.1. Default: a free port. */
  port?: number;
  /** username -> password. When given, a password file is written and anonymous access is refused. */
  users?: Record<string, string>;
  /** How long to wait for the listener to accept a TCP connection. Default 15 s. */
  readyTimeoutMs?: number;
  /**
   * Also listen with TLS on another free 127.0.0.1 port, with a CA and a server certificate made by
   * `openssl` in the service's temp dir (see `MosquittoService.tls`). Default false.
   */
  tls?: boolean;
}

const HOST = "127.0.0.1";
const STOP_GRACE_MS = 10_000;
const KILL_WAIT_MS = 5_000;
const TAIL_BYTES = 4096;
const EXTRA_BIN_DIRS = ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"];

// ---------------------------------------------------------------------------------------------------------
// Small helpers

/** A port that was free on 127.0.0.1 a moment ago (listen on port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("freePort: could not read the listening port"));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of an executable found on PATH or in the usual sbin/bin dirs, or undefined. */
export function findBinary(
  name: "influxd" | "mosquitto" | "mosquitto_passwd" | "openssl",
): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter((d) => d !== ""), ...EXTRA_BIN_DIRS];
  for (const dir of new Set(dirs)) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function requireBinary(name: "influxd" | "mosquitto" | "mosquitto_passwd"): string {
  const path = findBinary(name);
  if (path === undefined) {
    const pkg =
      name === "influxd"
        ? "InfluxDB 1.x (Debian package: influxdb)"
        : "Mosquitto 2.x (Debian package: mosquitto)";
    throw new Error(
      `${name} not found on PATH or in ${EXTRA_BIN_DIRS.join(", ")}. Install ${pkg}; ` +
        "on Debian/Ubuntu run `tsx scripts/provision.ts` as root. See docs/testing.md.",
    );
  }
  return path;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function tcpConnects(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

async function pingInflux(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status === 204;
  } catch {
    return false;
  }
}

function tailOfFile(path: string): string {
  try {
    const text = readFileSync(path, "utf8");
    return text.length > TAIL_BYTES ? text.slice(-TAIL_BYTES) : text;
  } catch {
    return "";
  }
}

/**
 * Whether `pid` owns the socket listening on 127.0.0.1:`port`, read from /proc (Linux). undefined when it
 * cannot be told (no /proc). Guards the readiness probe against answering for some other process that
 * holds the port (e.g. after a restart on a port that was taken in the meantime).
 */
function ownsListener(pid: number, port: number): boolean | undefined {
  let table: string;
  try {
    table = readFileSync("/proc/net/tcp", "utf8");
  } catch {
    return undefined;
  }
  const portHex = port.toString(16).toUpperCase().padStart(4, "0");
  const local = new Set([`0100007F:${portHex}`, `7F000001:${portHex}`]); // little / big endian
  const inodes = new Set<string>();
  for (const line of table.split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    const [address, state, inode] = [cols[1], cols[3], cols[9]];
    if (address !== undefined && local.has(address) && state === "0A" && inode !== undefined)
      inodes.add(inode);
  }
  if (inodes.size === 0) return false;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  for (const fd of fds) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode !== undefined && inodes.has(inode)) return true;
    } catch {
      // fd closed meanwhile
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------
// Cleanup when the parent process goes away

const liveChildren = new Set<ChildProcess>();
const ownedTempDirs = new Set<string>();
let exitHookInstalled = false;

function killAllNow(): void {
  for (const child of liveChildren) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  liveChildren.clear();
  for (const dir of ownedTempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
  ownedTempDirs.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Covers normal exit, process.exit() and uncaught exceptions.
  process.on("exit", killAllNow);
  // Signals: only act when nobody else handles the signal (otherwise the owner of that handler decides),
  // then re-raise it so the default behaviour (exit with the signal) still happens.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = () => {
      if (process.listenerCount(signal) > 1) return;
      killAllNow();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Generic supervised process

interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  readyTimeoutMs: number;
  /** The 127.0.0.1 port the process must be listening on before it counts as ready. */
  port: number;
  /** Resolves true once the service answers. Called repeatedly until the deadline. */
  probe: () => Promise<boolean>;
  /** Extra diagnostics for error messages (e.g. a log file). */
  extraLog?: () => string;
  /** Directories to remove on stop(). */
  ownedDirs: string[];
}

class Supervised implements ManagedService {
  readonly name: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = "";
  private disposed = false;
  private readonly spec: ProcessSpec;

  constructor(spec: ProcessSpec) {
    this.spec = spec;
    this.name = spec.name;
    for (const dir of spec.ownedDirs) ownedTempDirs.add(dir);
    installExitHook();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  logTail(): string {
    const extra = this.spec.extraLog?.() ?? "";
    return [this.output.trim(), extra.trim()].filter((s) => s !== "").join("\n");
  }

  async start(): Promise<void> {
    if (this.disposed)
      throw new Error(`${this.name}: start() after stop(); stop() is final, start a new service`);
    if (this.child !== undefined) return;
    const { command, args, cwd } = this.spec;
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    liveChildren.add(child);
    let exitInfo: string | undefined;
    let spawnError: Error | undefined;
    this.exited = new Promise<void>((resolve) => {
      child.once("error", (err) => {
        spawnError = err;
        // "error" without a following "exit" happens when the spawn itself failed.
        if (child.pid === undefined) {
          exitInfo = `failed to spawn: ${err.message}`;
          this.forget(child);
          resolve();
        }
      });
      // "close" comes after "exit" once stdout/stderr are drained, so logTail() has the last words.
      child.once("close", (code, signal) => {
        exitInfo = signal !== null ? `killed by ${signal}` : `exited with code ${code}`;
        this.forget(child);
        resolve();
      });
    });
    const collect = (chunk: Buffer) => {
      this.output += chunk.toString("utf8");
      if (this.output.length > TAIL_BYTES * 2) this.output = this.output.slice(-TAIL_BYTES);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);

    const deadline = Date.now() + this.spec.readyTimeoutMs;
    for (;;) {
      if (exitInfo !== undefined || spawnError !== undefined) {
        await this.kill();
        throw this.failure(`${exitInfo ?? `error: ${spawnError?.message}`} before it was ready`);
      }
      const pid = child.pid;
      const owned = pid === undefined ? false : ownsListener(pid, this.spec.port);
      if (owned !== false && (await this.spec.probe()) && exitInfo === undefined) return;
      if (Date.now() >= deadline) {
        await this.kill();
        throw this.failure(`not ready after ${this.spec.readyTimeoutMs} ms`);
      }
      await sleep(100);
    }
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    child.kill("SIGKILL");
    await this.waitExit(KILL_WAIT_MS);
  }

  async restart(): Promise<void> {
    await this.terminate();
    await this.start();
  }

  async stop(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.terminate();
    for (const dir of this.spec.ownedDirs) {
      rmSync(dir, { recursive: true, force: true });
      ownedTempDirs.delete(dir);
    }
  }

  /** SIGTERM, bounded wait, then SIGKILL. */
  private async terminate(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    child.kill("SIGTERM");
    if (await this.waitExit(STOP_GRACE_MS)) return;
    child.kill("SIGKILL");
    if (!(await this.waitExit(KILL_WAIT_MS))) {
      throw new Error(`${this.name} (pid ${child.pid}) did not exit after SIGKILL`);
    }
  }

  private async waitExit(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const ok = await Promise.race([this.exited.then(() => true as const), timedOut]);
    clearTimeout(timer);
    return ok;
  }

  private forget(child: ChildProcess): void {
    liveChildren.delete(child);
    if (this.child === child) this.child = undefined;
  }

  private failure(what: string): Error {
    const tail = this.logTail();
    const cmd = [this.spec.command, ...this.spec.args].join(" ");
    return new Error(
      `${this.name} ${what} (${cmd}).${tail ? `\n--- output tail ---\n${tail}` : " No output."}`,
    );
  }
}

function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** TOML basic string. */
function tomlString(value: string): string {
  return JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------------------------
// InfluxDB 1.x

/** Start influxd 1.x on 127.0.0.1 (HTTP on `port` or a free port, RPC on another free port), auth off. */
export async function startInfluxd(opts: StartInfluxdOptions = {}): Promise<InfluxService> {
  const binary = requireBinary("influxd");
  const ownedDirs: string[] = [];
  let dataDir: string;
  if (opts.dataDir !== undefined) {
    dataDir = opts.dataDir;
    mkdirSync(dataDir, { recursive: true });
  } else {
    dataDir = makeTempDir("mes-influxd-");
    ownedDirs.push(dataDir);
  }
  const port = opts.port ?? (await freePort());
  let rpcPort = await freePort();
  while (rpcPort === port) rpcPort = await freePort();

  const configPath = join(dataDir, "influxd.conf");
  const config = [
    "# Written by scripts/services.ts; rewritten on every start.",
    "reporting-disabled = true",
    `bind-address = ${tomlString(`${HOST}:${rpcPort}`)}`,
    "",
    "[meta]",
    `  dir = ${tomlString(join(dataDir, "meta"))}`,
    "  logging-enabled = false",
    "",
    "[data]",
    `  dir = ${tomlString(join(dataDir, "data"))}`,
    `  wal-dir = ${tomlString(join(dataDir, "wal"))}`,
    '  wal-fsync-delay = "0s"',
    "  query-log-enabled = false",
    "",
    "[monitor]",
    "  store-enabled = false",
    "",
    "[http]",
    "  enabled = true",
    `  bind-address = ${tomlString(`${HOST}:${port}`)}`,
    "  auth-enabled = false",
    "  log-enabled = false",
    "  pprof-enabled = false",
    "",
    "[logging]",
    '  level = "warn"',
    "  suppress-logo = true",
    "",
  ].join("\n");
  writeFileSync(configPath, config);

  const url = `http://${HOST}:${port}`;
  const proc = new Supervised({
    name: "influxd",
    command: binary,
    args: ["run", "-config", configPath],
    cwd: dataDir,
    readyTimeoutMs: opts.readyTimeoutMs ?? 30_000,
    port,
    probe: () => pingInflux(url, 1000),
    ownedDirs,
  });
  try {
    await proc.start();
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return Object.assign(proc, { url, port, dataDir });
}

// ---------------------------------------------------------------------------------------------------------
// Mosquitto 2.x

function writePasswordFile(path: string, users: Record<string, string>): void {
  const entries = Object.entries(users);
  if (entries.length === 0) throw new Error("startMosquitto: `users` is empty; omit it for anonymous access");
  const passwd = findBinary("mosquitto_passwd");
  if (passwd === undefined) {
    throw new Error(
      "startMosquitto({ users }) needs mosquitto_passwd to write the password file, and it was not found " +
        `on PATH or in ${EXTRA_BIN_DIRS.join(", ")}. It ships with the mosquitto package (Debian/Ubuntu: ` +
        "mosquitto, Homebrew: mosquitto, Alpine: mosquitto). See docs/testing.md.",
    );
  }
  entries.forEach(([user, password], index) => {
    if (user.includes(":")) throw new Error(`startMosquitto: username ${JSON.stringify(user)} contains ':'`);
    // -c creates (truncates) the file: only for the first user.
    const args = index === 0 ? ["-b", "-c", path, user, password] : ["-b", path, user, password];
    execFileSync(passwd, args, { stdio: ["ignore", "pipe", "pipe"], timeout: 10_000 });
  });
}

/** A test CA and a server certificate for 127.0.0.1 signed by it, made with openssl in `dir`. */
function writeTlsFiles(dir: string): { caFile: string; certFile: string; keyFile: string } {
  const openssl = findBinary("openssl");
  if (openssl === undefined) {
    throw new Error(
      "startMosquitto({ tls: true }) needs openssl to make the test certificates, and it was not found " +
        `on PATH or in ${EXTRA_BIN_DIRS.join(", ")} (Debian/Ubuntu package: openssl).`,
    );
  }
  const caFile = join(dir, "ca.pem");
  const caKey = join(dir, "ca.key");
  const certFile = join(dir, "server.pem");
  const keyFile = join(dir, "server.key");
  const csr = join(dir, "server.csr");
  const ext = join(dir, "server.ext");
  writeFileSync(
    ext,
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n" +
      "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
  );
  // Our own minimal config, never the environment's: node-opcua (node-opcua-crypto) restores
  // OPENSSL_CONF after a key import with `process.env.OPENSSL_CONF = backup`, which turns an unset
  // variable into the string "undefined" ("Can't open "undefined" for reading"), and node-opcua-pki
  // points it at a temp file of its own. Everything openssl needs here is on the command line.
  const conf = join(dir, "openssl.cnf");
  writeFileSync(
    conf,
    "# Written by scripts/services.ts\n[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n",
  );
  const env: NodeJS.ProcessEnv = { ...process.env, OPENSSL_CONF: conf };
  delete env.RANDFILE;
  const run = (args: string[]) =>
    execFileSync(openssl, args, { stdio: ["ignore", "pipe", "pipe"], timeout: 30_000, env });
  run(
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey, "-out", caFile, "-days", "2"].concat([
      "-subj",
      "/CN=mfgkit test CA",
    ]),
  );
  run(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", csr, "-subj", "/CN=127.0.0.1"]);
  run(
    ["x509", "-req", "-in", csr, "-CA", caFile, "-CAkey", caKey, "-CAcreateserial", "-out", certFile].concat([
      "-days",
      "2",
      "-extfile",
      ext,
    ]),
  );
  return { caFile, certFile, keyFile };
}

/**
 * Start mosquitto 2.x with one listener on 127.0.0.1 (`port` or a free port), and with `tls` a
 * second, TLS listener on another free port.
 */
export async function startMosquitto(opts: StartMosquittoOptions = {}): Promise<MosquittoService> {
  const binary = requireBinary("mosquitto");
  const dir = makeTempDir("mes-mosquitto-");
  try {
    const port = opts.port ?? (await freePort());
    const logFile = join(dir, "mosquitto.log");
    const lines = [
      "# Written by scripts/services.ts",
      `listener ${port} ${HOST}`,
      "persistence false",
      `log_dest file ${logFile}`,
      "log_type error",
      "log_type warning",
      "log_type notice",
      "log_type information",
      "connection_messages true",
      "log_timestamp_format %Y-%m-%dT%H:%M:%S",
    ];
    // As root, mosquitto drops privileges to the `mosquitto` user, which cannot read our 0700 temp dir.
    if (process.getuid?.() === 0) lines.push("user root");
    let tls: MosquittoTls | undefined;
    if (opts.tls === true) {
      let tlsPort = await freePort();
      while (tlsPort === port) tlsPort = await freePort();
      const files = writeTlsFiles(dir);
      lines.push(
        `listener ${tlsPort} ${HOST}`,
        `cafile ${files.caFile}`,
        `certfile ${files.certFile}`,
        `keyfile ${files.keyFile}`,
      );
      tls = { url: `mqtts://${HOST}:${tlsPort}`, port: tlsPort, caFile: files.caFile };
    }
    if (opts.users !== undefined) {
      const passwordFile = join(dir, "passwd");
      writePasswordFile(passwordFile, opts.users);
      lines.push("allow_anonymous false", `password_file ${passwordFile}`);
    } else {
      lines.push("allow_anonymous true");
    }
    const configPath = join(dir, "mosquitto.conf");
    writeFileSync(configPath, `${lines.join("\n")}\n`);

    const proc = new Supervised({
      name: "mosquitto",
      command: binary,
      args: ["-c", configPath],
      cwd: dir,
      readyTimeoutMs: opts.readyTimeoutMs ?? 15_000,
      port,
      probe: () => tcpConnects(port, 1000),
      extraLog: () => tailOfFile(logFile),
      ownedDirs: [dir],
    });
    try {
      await proc.start();
    } catch (err) {
      await proc.stop();
      throw err;
    }
    return Object.assign(proc, { url: `mqtt://${HOST}:${port}`, port, dir, logFile }, tls ? { tls } : {});
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
