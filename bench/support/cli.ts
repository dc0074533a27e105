/** Command-line options of the benchmarks: `--name value`, `--name=value`, flags, `--help`. */

/**
 * Options over `defaults`: boolean defaults are flags (`--x`, `--x=false`), string defaults take
 * one of `choices[key]`, number defaults take a number >= 0. Unknown options throw with the help.
 */
export function parseOptions<T extends object>(
  argv: string[],
  defaults: T,
  help: string,
  choices: Partial<Record<keyof T & string, readonly string[]>> = {},
): T {
  const base = defaults as Record<string, unknown>;
  const o: Record<string, unknown> = { ...base };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--help" || arg === "-h") {
      console.log(help);
      process.exit(0);
    }
    const m = /^--([A-Za-z]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unknown argument ${arg}\n${help}`);
    const key = m[1] as string;
    if (!(key in base)) throw new Error(`unknown option --${key}\n${help}`);
    if (typeof base[key] === "boolean") {
      o[key] = m[2] === undefined ? true : m[2] !== "false" && m[2] !== "0";
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${key} needs a value`);
    const allowed = (choices as Record<string, readonly string[] | undefined>)[key];
    if (typeof base[key] === "string") {
      if (allowed && !allowed.includes(value))
        throw new Error(`--${key} must be one of ${allowed.filter((a) => a !== "").join(", ")}`);
      o[key] = value;
    } else {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) throw new Error(`--${key} must be a number >= 0, got ${value}`);
      o[key] = n;
    }
  }
  return o as unknown as T;
}
