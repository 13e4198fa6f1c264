import * as z from './zod.ts';

/** A configuration file that does not validate; the message names each field. */
export class ConfigError extends Error {
  readonly file: string;
  readonly issues: readonly { path: string; message: string }[];
  constructor(file: string, issues: readonly { path: string; message: string }[]) {
    super(`${file} is not valid:\n${issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
    this.file = file;
    this.issues = issues;
  }
}

/**
 * Zod issues as `path: message` pairs, paths written the way a person reads
 * them (`rules[2].points`); a field whose name is empty is written `[""]`
 * (`properties[""]`), so even it is named.
 */
export function describeIssues(error: z.core.$ZodError): { path: string; message: string }[] {
  const pathOf = (parts: readonly PropertyKey[]) =>
    parts.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : part === '' ? `${acc}[""]` : acc ? `${acc}.${String(part)}` : String(part)), '');
  return error.issues.flatMap((issue) =>
    // A field nobody knows is named itself, not its parent: the client sees which field to drop or correct.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: pathOf([...issue.path, key]), message: 'not a known field' }))
      : [{ path: pathOf(issue.path), message: issue.message }],
  );
}

export function parseConfig<S extends z.core.$ZodType>(file: string, schema: S, value: unknown): z.infer<S> {
  const result = z.safeParse(schema, value);
  if (!result.success) throw new ConfigError(file, describeIssues(result.error));
  return result.data;
}
