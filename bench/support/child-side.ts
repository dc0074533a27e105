/**
 * The child side of a benchmark process (see children.ts for the parent side): messages to the
 * parent over IPC, progress lines, and the run-or-report-the-error entry point.
 */

export function send(message: Record<string, unknown>): void {
  if (process.send && process.connected) process.send(message);
}

export function progress(text: string): void {
  send({ type: "progress", text });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `main`; on failure sends `{type: "error", error, logs}` and exits 1. The child exits 2
 * when its parent goes away.
 */
export function runChild(main: () => Promise<void>, logs: () => string[] = () => []): void {
  process.on("disconnect", () => process.exit(2));
  main().catch((err: unknown) => {
    send({
      type: "error",
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      logs: logs(),
    });
    setTimeout(() => process.exit(1), 200);
  });
}
