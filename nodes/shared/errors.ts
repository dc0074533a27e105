/**
 * Error reporting of the suite (ARCHITECTURE rule 3 and 4): bad input is reported through
 * `done(err)`, so Catch nodes receive it with the message, with a red status naming the field;
 * the node keeps running and its state is unchanged. `done` is called exactly once on every path.
 */
import type { Node, NodeMessage, NodeMessageInFlow } from "node-red";
import { type FieldError, formatErrors } from "../../lib/validate";
import type { StatusReporter } from "./status";

/** An input that does not match the contract: names the field and the expected form. */
export class InputError extends Error {
  constructor(
    readonly errors: FieldError[],
    prefix = "payload",
  ) {
    super(formatErrors(errors, prefix));
    this.name = "InputError";
  }

  /** The first offending field as shown in the status, e.g. "payload.ts". */
  get field(): string {
    const first = this.errors[0];
    return first ? formatErrors([{ field: first.field, message: "" }]).trim() : "payload";
  }
}

export type Send = (msg: NodeMessage | Array<NodeMessage | NodeMessage[] | null>) => void;
export type Done = (err?: Error) => void;
export type InputHandler = (msg: NodeMessageInFlow, send: Send) => void | Promise<void>;

/**
 * Registers an input handler that calls `done` exactly once: `done()` when the handler returns
 * or resolves, `done(err)` with a red status when it throws or rejects.
 */
export function onInput(node: Node, status: StatusReporter, handler: InputHandler): void {
  node.on("input", (msg: NodeMessageInFlow, send: Send, done: Done) => {
    let result: void | Promise<void>;
    try {
      result = handler(msg, send);
    } catch (err) {
      fail(status, done, err);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        () => done(),
        (err: unknown) => fail(status, done, err),
      );
    } else {
      done();
    }
  });
}

function fail(status: StatusReporter, done: Done, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  status.set("error", error instanceof InputError ? `invalid ${error.field}` : error.message);
  done(error);
}

/**
 * A node whose configuration is bad (ARCHITECTURE rule 3): logs the problem naming the field,
 * shows a red status `statusText`, refuses every input with the problem through done(err) (Catch
 * nodes see it), and frees its status on close. The node does nothing else.
 */
export function refuseInputs(node: Node, status: StatusReporter, problem: string, statusText: string): void {
  node.error(problem);
  status.set("error", statusText);
  onInput(node, status, () => {
    throw new Error(problem);
  });
  node.on("close", (_removed: boolean, done: () => void) => {
    status.close();
    done();
  });
}
