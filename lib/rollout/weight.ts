import { UsageError } from '../spec/errors';

/**
 * The one grammar of a weight given on the command line (`set-weight NAME W`, for releases, fleet
 * waves and release groups): ASCII digits only, without sign, leading zero, decimal point, exponent,
 * hex prefix, '%', spaces or other scripts' digits, so `25.0`, `+25`, `-0`, `1e1`, `0x10`, ` 25`,
 * `25%`, `025` and `２５` are refused rather than read as a number they may not mean.
 * Returns the number, or undefined when `text` is not one.
 */
export function wholeNumber(text: string): number | undefined {
  return /^(0|[1-9][0-9]{0,8})$/.test(text) ? Number(text) : undefined;
}

/** What is wrong with a weight text that is not a whole number, as the end of a message: how to write it. */
export function weightFix(text: string, total?: number): string {
  const t = text.trim();
  if (t.endsWith('%') && wholeNumber(t.slice(0, -1).trim()) !== undefined) return `write it without '%'${total !== undefined && total !== 100 ? ` (the weight is out of weightTotal ${total}, not a percentage)` : ''}`;
  if (text !== text.trim() && wholeNumber(text.trim()) !== undefined) return `write it without spaces: ${text.trim()}`;
  if (/^[+-]?\d+\.0*$/.test(text) && wholeNumber(text.replace(/^\+/, '').replace(/\.0*$/, '')) !== undefined) return `write it without the decimal point: ${text.replace(/^\+/, '').replace(/\.0*$/, '')}`;
  if (/^\+[0-9]+$/.test(text) || /^-0+$/.test(text)) return `write it without the sign: ${Number(text.slice(1))}`;
  if (/^-[0-9]+$/.test(text)) return 'a weight is never negative: 0 sends the canary no traffic';
  if (/^0[0-9]+$/.test(text)) return `write it without the leading zero: ${Number(text)}`;
  if (/^[+-]?\d+\.\d+$/.test(text)) return total === undefined || total === 100 ? 'for fractions of a percent set weightTotal: 1000 in the spec' : `weights are whole numbers out of weightTotal ${total}`;
  return 'write digits only, e.g. 25';
}

/**
 * A weight for a move: `raw` parsed with `wholeNumber` (a number must be an integer) and checked
 * against 0..`total`. `what` ends the message: what the weight means (`the canary's share of
 * traffic out of 100`).
 * @throws UsageError `weight must be a whole number from 0 to TOTAL (got "X"); ...`
 */
export function weightOf(raw: number | string, total: number, what: string): number {
  const text = String(raw);
  const n = typeof raw === 'number' ? (Number.isInteger(raw) && !Object.is(raw, -0) ? raw : undefined) : wholeNumber(text);
  if (n === undefined || n > total) {
    const fix = n === undefined && typeof raw === 'string' ? ` (${weightFix(text, total)})` : '';
    throw new UsageError(`weight must be a whole number from 0 to ${total} (got ${JSON.stringify(text)}); pass ${what}${fix}`);
  }
  return n;
}
