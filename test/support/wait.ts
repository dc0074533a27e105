/** Resolve with `promise`, or reject after `ms` (and clear the timer either way). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolve with the first truthy result of `check`, polled every `everyMs`; reject after `ms`
 * with `what` and, when given, `explain()` (e.g. what was received instead).
 */
export async function until<T>(
  check: () => T | undefined | null | false,
  ms: number,
  what: string,
  explain?: () => string,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = check();
    if (got) return got;
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}${explain ? `; ${explain()}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
