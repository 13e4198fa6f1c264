/**
 * The numbers a trait value stands for, where a rule compares numbers
 * (`employees: { min: 1000 }`). Forms tools and people send:
 *
 * - a number: itself;
 * - a decimal number as text, digits grouped in threes by commas, spaces or
 *   apostrophes allowed, a point for decimals: "1500", "1,500", "1 500",
 *   "1'500", "2.5", "-3";
 * - at least a number: "1000+", "10,001+": from it up, no upper end;
 * - a range: "51-200", "1,001–5,000", "51 to 200": both ends, low first.
 *
 * Anything else is not a number ("1,5", "lots", "0x10", "1e3", a range
 * upside down), and so is "1.500": a thousands point in much of Europe, a
 * decimal one in English; guessing would misroute one or the other. Pure.
 */

/** The numbers a value can stand for: `low` to `high`, both included (equal for a plain number). */
export interface NumberSpan {
  low: number;
  high: number;
}

const NUMBER = String.raw`(\d{1,3}(?:[,'\u2019 \u00a0\u202f]\d{3})+|\d+)(?:\.(\d+))?`;
const PLAIN = new RegExp(String.raw`^(-)?${NUMBER}$`);
const AT_LEAST = new RegExp(String.raw`^${NUMBER}\s*\+$`);
/** One to three digits (not a lone 0), a point and three digits: 1.500 or one and a half? */
const AMBIGUOUS = /^[1-9]\d{0,2}\.\d{3}$/;
const RANGE = new RegExp(String.raw`^${NUMBER}\s*(?:-|\u2013|\u2014|to)\s*${NUMBER}$`, 'i');

function numberFrom(whole: string, fraction: string | undefined): number {
  return Number(`${whole.replace(/[^\d]/g, '')}${fraction === undefined ? '' : `.${fraction}`}`);
}

export function traitNumberSpan(value: unknown): NumberSpan | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? { low: value, high: value } : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text.split(/\s*(?:-|\u2013|\u2014|to|\+)\s*/i).some((part) => AMBIGUOUS.test(part.replace(/^-/, '')))) return undefined;
  let match = PLAIN.exec(text);
  if (match) {
    const number = (match[1] ? -1 : 1) * numberFrom(match[2]!, match[3]);
    return { low: number, high: number };
  }
  match = AT_LEAST.exec(text);
  if (match) return { low: numberFrom(match[1]!, match[2]), high: Infinity };
  match = RANGE.exec(text);
  if (match) {
    const low = numberFrom(match[1]!, match[2]);
    const high = numberFrom(match[3]!, match[4]);
    return low <= high ? { low, high } : undefined;
  }
  return undefined;
}

/**
 * Whether a value is within a band (both ends included, either left out):
 * every number it stands for must be, so "1000+" passes `{ min: 1000 }` and
 * no `max`, and "501-1,000" passes `{ max: 1000 }` but not `{ min: 1000 }`.
 */
export function inBand(value: unknown, band: { min?: number | undefined; max?: number | undefined }): boolean {
  const span = traitNumberSpan(value);
  if (!span) return false;
  return (band.min === undefined || span.low >= band.min) && (band.max === undefined || span.high <= band.max);
}
