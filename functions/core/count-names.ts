/**
 * Report counters as stored: the same names, shorter.
 *
 * A report item holds one attribute per counter (`dwell.opportunity.57`), and
 * DynamoDB charges for an item by its size, names included: in a month total
 * the names were nine tenths of its bytes (a 1.2 KB item of small numbers),
 * so every report read paid for them, and every write to an item past 1 KB
 * paid a second write unit. The stored name spells each dot-separated word of
 * a known vocabulary (the kinds of count, stages, decisions) as one letter:
 * `dwell.opportunity.57` is stored as `a.J.57`. Words outside it (bucket
 * numbers, reasons, currencies) are kept as they are.
 *
 * The mapping is a bijection on words: a word that is itself one of the
 * letters, or starts with the escape `'`, is stored behind `'`. So any name
 * round-trips, whatever a configured reason is called.
 *
 * WORDS is append-only: stored items carry the letters, so a word's letter
 * never changes. 52 letters; a word past them is stored as it is.
 */
const WORDS = [
  // kinds of count (report-counts.ts, reports/scorecard-counts.ts, reports/attribution-counts.ts)
  'dwell',
  'reached',
  'left',
  'decided',
  'reason',
  'feedback',
  'rating',
  'accept',
  'accepted',
  'acceptance',
  'contact',
  'pipeline',
  'revenue',
  'touched',
  'deals',
  'count',
  'in-time',
  'not-accepted',
  'rejected',
  'covered',
  'given',
  'handed',
  'first',
  'missed',
  'due',
  'time',
  'closed',
  'crm',
  'current',
  // stages: written out, not spread from lifecycle.ts, so a stage added there never moves a stored letter
  // (a new stage is appended at the end of this list; test/unit/core/count-names.test.ts checks each is here)
  'visitor',
  'known',
  'engaged',
  'mql',
  'sal',
  'sql',
  'opportunity',
  'won',
  'lost',
  'recycled',
  'disqualified',
] as const;

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ESCAPE = "'";

const letterOf = new Map<string, string>(WORDS.map((word, i) => [word, LETTERS[i]!]));
const wordOf = new Map<string, string>(WORDS.map((word, i) => [LETTERS[i]!, word]));

function storedWord(word: string): string {
  const letter = letterOf.get(word);
  if (letter !== undefined) return letter;
  return wordOf.has(word) || word.startsWith(ESCAPE) ? ESCAPE + word : word;
}

function readWord(stored: string): string {
  if (stored.startsWith(ESCAPE)) return stored.slice(ESCAPE.length);
  return wordOf.get(stored) ?? stored;
}

/** A counter's name as stored on a report item: `reached.mql` → `b.G`. */
export const storedCountName = (name: string): string => name.split('.').map(storedWord).join('.');

/** A stored counter's name read back: `b.G` → `reached.mql`. */
export const countNameOf = (stored: string): string => stored.split('.').map(readWord).join('.');

/** Counts with their names as stored. */
export function storedCounts(counts: Readonly<Record<string, number>>): Record<string, number> {
  const stored: Record<string, number> = {};
  for (const [name, n] of Object.entries(counts)) stored[storedCountName(name)] = n;
  return stored;
}
