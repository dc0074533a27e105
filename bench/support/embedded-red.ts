/**
 * Settings of an embedded, quiet Node-RED for a benchmark contender (no HTTP, no editor, no
 * telemetry, only the node folders given) and a bounded collector of its warn/error log lines.
 * Shared by every contender process of the benchmarks.
 */

interface RedLogMessage {
  level: number;
  msg?: unknown;
  type?: string;
  id?: string;
}

const MAX_LOGS = 30;

/** Keeps the first warn/error lines (and echoes the first 10 to stderr), counts the rest. */
export class BenchLog {
  private readonly lines: string[] = [];
  private count = 0;

  handler(): (m: RedLogMessage) => void {
    return (m) => {
      this.count++;
      const line = `[${m.level <= 20 ? "error" : "warn"}] ${m.type ?? ""}${m.id ? `:${m.id}` : ""} ${String(m.msg).slice(0, 300)}`;
      if (this.lines.length < MAX_LOGS) this.lines.push(line);
      if (this.count <= 10) process.stderr.write(`${line}\n`);
    };
  }

  /** The kept lines, with a note of how many more there were. */
  summary(): string[] {
    const more = this.count - this.lines.length;
    return more > 0 ? [...this.lines, `... ${more} more log lines`] : this.lines.slice();
  }
}

export function embeddedSettings(o: {
  userDir: string;
  /** Replaces the core node set: Node-RED scans this folder instead of @node-red/nodes and node_modules. */
  coreNodesDir: string;
  nodesDir: string[];
  contextStorage: Record<string, unknown>;
  log: BenchLog;
}): Record<string, unknown> {
  return {
    SKIP_BUILD_CHECK: true,
    userDir: o.userDir,
    flowFile: "flows.json",
    credentialSecret: false,
    httpAdminRoot: false,
    httpNodeRoot: false,
    coreNodesDir: o.coreNodesDir,
    nodesDir: o.nodesDir,
    contextStorage: o.contextStorage,
    telemetry: { enabled: false },
    diagnostics: { enabled: false, ui: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    editorTheme: { projects: { enabled: false }, tours: false },
    logging: {
      console: { level: "off", metrics: false, audit: false },
      bench: { level: "warn", metrics: false, audit: false, handler: () => o.log.handler() },
    },
  };
}
