/**
 * Minimal, strict flag parsing: unknown flags and missing values are usage errors that name the
 * flag (never a stack trace). Flags: `--name value`, `--name=value`, booleans `--name`.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface FlagSpec {
  readonly [name: string]: "boolean" | "string" | "int";
}

export interface Parsed {
  readonly positional: string[];
  readonly flags: Map<string, string | boolean | number>;
}

export function parseArgs(argv: readonly string[], spec: FlagSpec, command: string): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | boolean | number>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      positional.push(a);
      continue;
    }
    const m = /^--?([A-Za-z][\w-]*)(?:=(.*))?$/.exec(a);
    if (m === null) throw new UsageError(`tierdiff ${command}: malformed option '${a}'`);
    const name = m[1]!;
    const kind = spec[name];
    if (kind === undefined) throw new UsageError(`tierdiff ${command}: unknown option '--${name}' (see 'tierdiff ${command} --help')`);
    if (kind === "boolean") {
      if (m[2] !== undefined) throw new UsageError(`tierdiff ${command}: option '--${name}' takes no value`);
      flags.set(name, true);
      continue;
    }
    let value = m[2];
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`tierdiff ${command}: option '--${name}' needs a value`);
    }
    if (kind === "int") {
      if (!/^\d+$/.test(value)) throw new UsageError(`tierdiff ${command}: option '--${name}' needs a non-negative integer, got '${value}'`);
      flags.set(name, Number(value));
    } else flags.set(name, value);
  }
  return { positional, flags };
}
