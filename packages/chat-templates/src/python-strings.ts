/**
 * jinja2 reads string literals with Python's escape rules (`unicode-escape`): a backslash before a newline
 * continues the line, `\a`, octal, `\x`, `\u`, `\U` escapes exist, and an unknown escape such as `\d` keeps its
 * backslash. `@huggingface/jinja` accepts fewer escapes and rejects the rest, so before parsing, every string
 * literal inside `{{ }}` / `{% %}` is decoded with Python's rules and written back with escapes both understand.
 * Text outside tags, comments and `{% raw %}` blocks are copied unchanged.
 */

const SIMPLE: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Decodes the body of a Python string literal (between its quotes). */
export function decodePythonEscapes(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\' || i + 1 >= body.length) {
      out += c;
      continue;
    }
    const e = body[i + 1];
    if (e === '\n') {
      i++;
      continue;
    }
    if (e === '\r') {
      i += body[i + 2] === '\n' ? 2 : 1;
      continue;
    }
    if (e in SIMPLE) {
      out += SIMPLE[e];
      i++;
      continue;
    }
    if (e >= '0' && e <= '7') {
      const m = /^[0-7]{1,3}/.exec(body.slice(i + 1))![0];
      out += String.fromCodePoint(Number.parseInt(m, 8));
      i += m.length;
      continue;
    }
    const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hexLen > 0) {
      const hex = body.slice(i + 2, i + 2 + hexLen);
      if (hex.length === hexLen && /^[0-9a-fA-F]+$/.test(hex)) {
        out += String.fromCodePoint(Number.parseInt(hex, 16));
        i += 1 + hexLen;
        continue;
      }
    }
    // Unknown escape: Python keeps the backslash.
    out += c;
  }
  return out;
}

/** A string literal `@huggingface/jinja` reads back as `value`. */
function encodeLiteral(value: string): string {
  let out = '"';
  for (const ch of value) {
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else out += ch;
  }
  return `${out}"`;
}

/** Rewrites the string literals inside tags of a template (see the module comment). */
export function normalizeStringLiterals(source: string): string {
  let out = '';
  let i = 0;
  const n = source.length;
  while (i < n) {
    const open = source.indexOf('{', i);
    if (open < 0 || open + 1 >= n) break;
    const kind = source[open + 1];
    if (kind !== '{' && kind !== '%' && kind !== '#') {
      out += source.slice(i, open + 1);
      i = open + 1;
      continue;
    }
    out += source.slice(i, open);
    if (kind === '#') {
      const end = source.indexOf('#}', open + 2);
      const stop = end < 0 ? n : end + 2;
      out += source.slice(open, stop);
      i = stop;
      continue;
    }
    const close = kind === '{' ? '}}' : '%}';
    let j = open + 2;
    let tag = source.slice(open, j);
    while (j < n && !source.startsWith(close, j)) {
      const c = source[j];
      if (c === '"' || c === "'") {
        let k = j + 1;
        while (k < n && source[k] !== c) k += source[k] === '\\' ? 2 : 1;
        tag += encodeLiteral(decodePythonEscapes(source.slice(j + 1, Math.min(k, n))));
        j = k + 1;
      } else {
        tag += c;
        j++;
      }
    }
    tag += source.slice(j, j + 2);
    i = j + 2;
    out += tag;
    // Copy a raw block verbatim up to its end tag.
    if (kind === '%' && /^\{%[-+]?\s*raw\s*[-+]?%\}$/.test(tag)) {
      const m = /\{%[-+]?\s*endraw\s*[-+]?%\}/.exec(source.slice(i));
      const stop = m ? i + m.index : n;
      out += source.slice(i, stop);
      i = stop;
    }
  }
  return out + source.slice(i);
}
