import { ConfigError, parseConfig } from '#core/config-errors.ts';
import type * as z from '#core/zod.ts';
import { jsonTree, lineOfPath } from './json-lines.ts';
import type { CliIo } from './run.ts';

/**
 * A configuration file read the way the deployed functions read it, for the
 * `check` commands (`model check`, `campaigns check`): valid, or every
 * problem at its line and field.
 */

/** The line of a JSON syntax error, from V8's message (`… (line 3 column 6)` or `… at position 41`). */
function syntaxErrorLine(text: string, message: string): number | undefined {
  const line = /\(line (\d+) column \d+\)/.exec(message);
  if (line) return Number(line[1]);
  const position = /at position (\d+)/.exec(message);
  return position ? text.slice(0, Number(position[1])).split('\n').length : undefined;
}

/** zod's words for a missing field, said the way a person would. */
function readable(message: string): string {
  return message.replace(/^Invalid input: expected (\w+), received undefined$/, 'is missing (a $1 is required)');
}

export type LoadedConfig<T> = { ok: true; config: T } | { ok: false; output: string };

/** A config file's text parsed and validated under `schema`, or what is wrong with it, line by line (`what` names the file's kind). */
export function loadConfigFile<S extends z.core.$ZodType>(file: string, text: string, schema: S, what: string): LoadedConfig<z.infer<S>> {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    const message = (error as Error).message;
    const line = syntaxErrorLine(text, message);
    return { ok: false, output: `${file}${line === undefined ? '' : `:${line}`}: not valid JSON: ${message}` };
  }
  try {
    return { ok: true, config: parseConfig(file, schema, json) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const tree = jsonTree(text);
    // an unknown field's path names the field itself (describeIssues), so it is shown at its own line
    const lines = error.issues.map(({ path, message }) => `${file}:${lineOfPath(tree, path)}: ${path || '(root)'}: ${readable(message)}`);
    const count = error.issues.length === 1 ? '1 problem' : `${error.issues.length} problems`;
    return { ok: false, output: [`${file} is not a valid ${what} (${count}):`, ...lines].join('\n') };
  }
}

/** A config file read and loaded, or the exit status after saying why not (1: unreadable or invalid). */
export function readConfigFile<T>(io: CliIo, file: string, load: (file: string, text: string) => LoadedConfig<T>): T | number {
  let text: string;
  try {
    text = io.readFile(file);
  } catch (error) {
    io.err(`leadloop: cannot read ${file}: ${(error as Error).message}`);
    return 1;
  }
  const loaded = load(file, text);
  if (!loaded.ok) {
    io.err(loaded.output);
    return 1;
  }
  return loaded.config;
}
