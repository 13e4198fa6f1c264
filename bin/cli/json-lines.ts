/**
 * Where things are in a JSON text, by line: a tiny tokenizer that walks text
 * JSON.parse already accepted and records the line of every key and value,
 * so a validation issue at `engagement.rules[2].points` can name its line.
 */

export type JsonNode =
  | { kind: 'object'; line: number; entries: { key: string; line: number; value: JsonNode }[] }
  | { kind: 'array'; line: number; items: JsonNode[] }
  | { kind: 'scalar'; line: number };

const LITERAL = /true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** The tree of `text`, which must be valid JSON (parse it first). */
export function jsonTree(text: string): JsonNode {
  let at = 0;
  let line = 1;

  const skipSpace = () => {
    while (at < text.length && /\s/.test(text[at]!)) {
      if (text[at] === '\n') line += 1;
      at += 1;
    }
  };
  const expect = (char: string) => {
    skipSpace();
    if (text[at] !== char) throw new Error(`expected "${char}" at line ${line}`);
    at += 1;
  };
  // JSON strings cannot hold a raw line break, so a string never moves the line on.
  const string = (): string => {
    const start = at;
    at += 1;
    while (at < text.length && text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    at += 1;
    return JSON.parse(text.slice(start, at)) as string;
  };

  const value = (): JsonNode => {
    skipSpace();
    const start = line;
    const char = text[at];
    if (char === '{') {
      at += 1;
      const entries: { key: string; line: number; value: JsonNode }[] = [];
      skipSpace();
      if (text[at] === '}') {
        at += 1;
        return { kind: 'object', line: start, entries };
      }
      for (;;) {
        skipSpace();
        const keyLine = line;
        if (text[at] !== '"') throw new Error(`expected a key at line ${line}`);
        const key = string();
        expect(':');
        entries.push({ key, line: keyLine, value: value() });
        skipSpace();
        const next = text[at++];
        if (next === '}') return { kind: 'object', line: start, entries };
        if (next !== ',') throw new Error(`expected "," or "}" at line ${line}`);
      }
    }
    if (char === '[') {
      at += 1;
      const items: JsonNode[] = [];
      skipSpace();
      if (text[at] === ']') {
        at += 1;
        return { kind: 'array', line: start, items };
      }
      for (;;) {
        items.push(value());
        skipSpace();
        const next = text[at++];
        if (next === ']') return { kind: 'array', line: start, items };
        if (next !== ',') throw new Error(`expected "," or "]" at line ${line}`);
      }
    }
    if (char === '"') string();
    else {
      LITERAL.lastIndex = at;
      if (!LITERAL.test(text)) throw new Error(`unexpected "${char ?? 'end of text'}" at line ${line}`);
      at = LITERAL.lastIndex;
    }
    return { kind: 'scalar', line: start };
  };

  if (text.charCodeAt(0) === 0xfeff) at = 1;
  const root = value();
  skipSpace();
  if (at < text.length) throw new Error(`unexpected text after the JSON value at line ${line}`);
  return root;
}

/**
 * The line of a field named the way describeIssues writes paths
 * (`fit.rules[0].test`). A field that is not there (a missing required one)
 * gets the line of the nearest enclosing object or array that is. Keys are
 * matched against the keys actually in the file, so a key with a dot in it
 * (`match.properties.form.id`) is still found.
 */
export function lineOfPath(root: JsonNode, path: string): number {
  let node = root;
  let rest = path;
  let line = root.line;
  while (rest !== '') {
    if (node.kind === 'array') {
      const index = /^\[(\d+)\]/.exec(rest);
      const item = index ? node.items[Number(index[1])] : undefined;
      if (!index || !item) return line;
      node = item;
      line = item.line;
      rest = rest.slice(index[0].length);
      continue;
    }
    if (node.kind === 'object') {
      const name = rest.startsWith('.') ? rest.slice(1) : rest;
      const entry = node.entries
        .filter(({ key }) => name === key || name.startsWith(`${key}.`) || name.startsWith(`${key}[`))
        .sort((a, b) => b.key.length - a.key.length)[0];
      if (!entry) return line;
      node = entry.value;
      // a field is shown where its key is
      line = entry.line;
      rest = name.slice(entry.key.length);
      continue;
    }
    return line;
  }
  return line;
}
