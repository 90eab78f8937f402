import { z } from 'zod';

/** Thrown for a variable that is set but wrong; names each variable and what it must be. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * One environment variable, declared once: its name, how its text is read
 * (a zod schema; its `.default()` is the variable's default), and what it is
 * for. A secret's value is never shown in a problem.
 */
export class Variable<S extends z.ZodType = z.ZodType> {
  constructor(
    readonly name: string,
    readonly schema: S,
    readonly doc: string,
    readonly secret = false,
  ) {}
}

export const variable = <S extends z.ZodType>(name: string, schema: S, doc: string, options: { secret?: boolean } = {}): Variable<S> =>
  new Variable(name, schema, doc, options.secret);

/**
 * Variables arranged as the configuration they make: where a variable stands
 * in the tree is where its value goes in the configuration.
 */
export type Variables = { readonly [key: string]: Variable | Variables };

/** The configuration a tree of variables makes: each variable replaced by its value. */
export type ValuesOf<T extends Variables> = {
  [K in keyof T]: T[K] extends Variable<infer S> ? z.output<S> : T[K] extends Variables ? ValuesOf<T[K]> : never;
};

/** The variables of a tree, in the order they are declared. */
export function variablesOf(tree: Variables): Variable[] {
  return Object.values(tree).flatMap((entry) => (entry instanceof Variable ? [entry] : variablesOf(entry)));
}

/**
 * Reads the variables of `tree` from `env` (an empty variable counts as
 * unset) into the configuration they make, or throws a ConfigError naming
 * every variable that is wrong: `NAME="value": what it must be`, a secret
 * `NAME <what is wrong>` without its value.
 */
export function readEnv<T extends Variables>(tree: T, env: Record<string, string | undefined>): ValuesOf<T> {
  const problems: string[] = [];
  const read = (branch: Variables): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(branch).map(([key, entry]) => {
        if (!(entry instanceof Variable)) return [key, read(entry)];
        const text = env[entry.name] === '' ? undefined : env[entry.name];
        const parsed = entry.schema.safeParse(text);
        const shown = entry.secret ? `${entry.name} ` : `${entry.name}=${JSON.stringify(text)}: `;
        if (!parsed.success) problems.push(...parsed.error.issues.map((issue) => shown + issue.message));
        return [key, parsed.data];
      }),
    );
  const values = read(tree);
  if (problems.length) throw new ConfigError(problems);
  return values as ValuesOf<T>;
}

/** A whole number from `min` to `max`, given as a string. */
export const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be from ${min} to ${max}`);

/** `true` or `false`. */
export const flag = () =>
  z.enum(['true', 'false']).transform((text) => text === 'true');
