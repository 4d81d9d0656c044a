/**
 * GBNF for the decimal integers in a range (JSON schema `minimum` / `maximum` on integers), built digit by
 * digit: a range of same-length numbers splits on its first digit into a prefix run with free tails and two
 * boundary branches. Numbers carry no leading zeros; at most 16 digits (as the unbounded `integer` rule).
 */

const MAX_DIGITS = 16;

function digitClass(lo: number, hi: number): string {
  if (lo === hi) return `[${lo}]`;
  return `[${lo}-${hi}]`;
}

/** Same-length decimal strings a..b (a <= b, equal lengths), as a GBNF expression. */
function sameLength(a: string, b: string): string {
  if (a.length === 0) return '""';
  if (a === b) return `"${a}"`;
  const n = a.length;
  const lo = Number(a[0]);
  const hi = Number(b[0]);
  const restLo = a.slice(1);
  const restHi = b.slice(1);
  const nines = '9'.repeat(n - 1);
  const zeros = '0'.repeat(n - 1);
  if (lo === hi) return `"${a[0]}" (${sameLength(restLo, restHi)})`;
  const alts: string[] = [];
  // First digit lo with tail >= restLo; first digit hi with tail <= restHi; digits in between with any tail.
  let midLo = lo + 1;
  let midHi = hi - 1;
  if (restLo === zeros) midLo = lo;
  else alts.push(`"${lo}" (${sameLength(restLo, nines)})`);
  const hiFull = restHi === nines;
  if (hiFull) midHi = hi;
  if (midLo <= midHi) alts.push(n > 1 ? `${digitClass(midLo, midHi)} [0-9]{${n - 1}}` : digitClass(midLo, midHi));
  if (!hiFull) alts.push(`"${hi}" (${sameLength(zeros, restHi)})`);
  return alts.length === 1 ? alts[0] : `(${alts.join(' | ')})`;
}

/** Non-negative integers lo..hi (hi = Infinity for no upper bound), without leading zeros. */
function nonNegative(lo: number, hi: number): string {
  const alts: string[] = [];
  const loLen = String(lo).length;
  const hiLen = hi === Number.POSITIVE_INFINITY ? MAX_DIGITS : String(hi).length;
  for (let len = loLen; len <= hiLen; len++) {
    const from = len === loLen ? String(lo) : `1${'0'.repeat(len - 1)}`;
    const to = hi !== Number.POSITIVE_INFINITY && len === hiLen ? String(hi) : '9'.repeat(len);
    if (len === 1) {
      alts.push(digitClass(Number(from), Number(to)));
      continue;
    }
    // Whole lengths strictly between the bounds compress to one repetition.
    if (from === `1${'0'.repeat(len - 1)}` && to === '9'.repeat(len) && len < hiLen && len > loLen) {
      let last = len;
      while (last + 1 < hiLen) last++;
      alts.push(`[1-9] [0-9]{${len - 1},${last - 1}}`);
      len = last;
      continue;
    }
    alts.push(sameLength(from, to));
  }
  return alts.length === 1 ? alts[0] : `(${alts.join(' | ')})`;
}

/**
 * GBNF expression matching the integers in [min, max] (either bound may be undefined).
 * @example integerRange(1, 12) // '([1-9] | "1" ([0-2]))'
 */
export function integerRange(min: number | undefined, max: number | undefined): string {
  const lo = min === undefined ? Number.NEGATIVE_INFINITY : Math.ceil(min);
  const hi = max === undefined ? Number.POSITIVE_INFINITY : Math.floor(max);
  if (lo > hi) return '[^\\x00-\\U0010FFFF]'; // empty: matches nothing
  const alts: string[] = [];
  if (lo < 0) {
    // Negative part: -(a..b) with a = max(1, -hi), b = -lo.
    const a = hi < 0 ? -hi : 1;
    const b = lo === Number.NEGATIVE_INFINITY ? Number.POSITIVE_INFINITY : -lo;
    alts.push(`"-" ${nonNegative(a, b)}`);
  }
  if (hi >= 0) alts.push(nonNegative(Math.max(lo, 0), hi));
  return alts.length === 1 ? alts[0] : `(${alts.join(' | ')})`;
}
