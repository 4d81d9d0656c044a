/**
 * Python's `str()` / `repr()` of Jinja runtime values. jinja2 prints `{{ value }}` with Python's `str`, so a
 * list prints as `['a', None, True]` and `none` prints as `None`; `@huggingface/jinja` prints JSON-like text.
 * The renderer routes every `{{ ... }}` output through {@link pyStr} so transformers' output is reproduced.
 */

/** The shape of `@huggingface/jinja` runtime values that this module reads (`type` names its class). */
export interface RuntimeLike {
  readonly type: string;
  readonly value: unknown;
}

/** Python `repr(float)`: shortest round-trip digits, scientific notation below 1e-4 and from 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest digits that round-trip, like Python's repr.
  const [mantissa, expText] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

// Characters Python's repr escapes: controls, format chars, surrogates, private use, unassigned, and
// separators other than the plain space.
const NON_PRINTABLE = /[\p{C}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python `repr(str)`. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && NON_PRINTABLE.test(ch)) {
      const cp = ch.codePointAt(0)!;
      if (cp < 0x100) out += `\\x${cp.toString(16).padStart(2, '0')}`;
      else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
      else out += `\\U${cp.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

/** Python `repr()` of a runtime value (used for items inside lists, tuples and dicts). */
export function pyRepr(v: RuntimeLike): string {
  if (v.type === 'StringValue') return pyStrRepr(v.value as string);
  return pyStr(v);
}

/** Python `str()` of a runtime value, as jinja2 prints `{{ value }}`. */
export function pyStr(v: RuntimeLike): string {
  switch (v.type) {
    case 'StringValue':
      return v.value as string;
    case 'IntegerValue':
      return String(v.value);
    case 'FloatValue':
      return pyFloatRepr(v.value as number);
    case 'BooleanValue':
      return v.value ? 'True' : 'False';
    case 'NullValue':
      return 'None';
    case 'UndefinedValue':
      return '';
    case 'ArrayValue':
      return `[${(v.value as RuntimeLike[]).map(pyRepr).join(', ')}]`;
    case 'TupleValue': {
      const items = (v.value as RuntimeLike[]).map(pyRepr);
      return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
    }
    case 'ObjectValue':
    case 'KeywordArgumentsValue': {
      const entries = [...(v.value as Map<string, RuntimeLike>)].map(([k, x]) => `${pyStrRepr(k)}: ${pyRepr(x)}`);
      return `{${entries.join(', ')}}`;
    }
    default:
      // Functions, macros, namespaces: fall back to the library's own text.
      return String(v);
  }
}
