/**
 * JSON Schema → GBNF, in the manner of llama.cpp's json-schema-to-grammar: objects (properties, required,
 * additionalProperties), arrays (items, prefixItems, minItems/maxItems), strings (minLength/maxLength,
 * pattern, formats date/time/date-time/uuid), numbers, integers (minimum/maximum, exclusive bounds), booleans, null,
 * enum/const, anyOf/oneOf, allOf of objects, type unions and `$ref` to `#/$defs/...` or `#/definitions/...`
 * (recursion allowed). As in llama.cpp, required properties come first (in schema order), then the optional
 * ones in schema order, any of which may be skipped.
 */
import { JsonSchemaError } from '../errors.js';
import { integerRange } from './integer-range.js';
import { patternToGbnf } from './pattern.js';

export interface JsonSchemaOptions {
  /**
   * Whitespace between JSON tokens: `flexible` allows what llama.cpp allows (a space, or up to two newlines and
   * 20 spaces/tabs of indentation); `compact` allows none. Default `flexible`.
   */
  readonly whitespace?: 'flexible' | 'compact';
  /** Keywords that cannot be enforced (e.g. `pattern`) raise an error unless this is set. Default false. */
  readonly ignoreUnsupported?: boolean;
}

type Schema = Record<string, unknown> | boolean;

const PRIMITIVES: Record<string, [body: string, deps: string[]]> = {
  boolean: ['("true" | "false") space', ['space']],
  'decimal-part': ['[0-9]{1,16}', []],
  'integral-part': ['[0] | [1-9] [0-9]{0,15}', []],
  number: [
    '("-"? integral-part) ("." decimal-part)? ([eE] [-+]? integral-part)? space',
    ['integral-part', 'decimal-part', 'space'],
  ],
  integer: ['("-"? integral-part) space', ['integral-part', 'space']],
  char: ['[^"\\\\\\x7F\\x00-\\x1F] | [\\\\] (["\\\\/bfnrt] | "u" [0-9a-fA-F]{4})', []],
  string: ['"\\"" char* "\\"" space', ['char', 'space']],
  null: ['"null" space', ['space']],
  value: [
    'object | array | string | number | boolean | null',
    ['object', 'array', 'string', 'number', 'boolean', 'null'],
  ],
  object: [
    '"{" space ( string ":" space value ("," space string ":" space value)* )? "}" space',
    ['string', 'value', 'space'],
  ],
  array: ['"[" space ( value ("," space value)* )? "]" space', ['value', 'space']],
  uuid: [
    '"\\"" [0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{12} "\\"" space',
    ['space'],
  ],
  'date-core': ['[0-9]{4} "-" ("0" [1-9] | "1" [0-2]) "-" ("0" [1-9] | [1-2] [0-9] | "3" [0-1])', []],
  'time-core': [
    '([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9] ":" [0-5] [0-9] ("." [0-9]{3})? ("Z" | [+-] ([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9])',
    [],
  ],
  date: ['"\\"" date-core "\\"" space', ['date-core', 'space']],
  time: ['"\\"" time-core "\\"" space', ['time-core', 'space']],
  'date-time': ['"\\"" date-core "T" time-core "\\"" space', ['date-core', 'time-core', 'space']],
};

const FORMATS = new Set(['date', 'time', 'date-time', 'uuid']);

/** A GBNF string literal for `text` (escapes quotes, backslashes and control characters). */
export function gbnfLiteral(text: string): string {
  let out = '"';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function ruleName(hint: string): string {
  const n = hint.replace(/[^a-zA-Z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return n.length > 0 ? n : 'rule';
}

class Converter {
  private readonly rules = new Map<string, string>();
  private readonly refNames = new Map<string, string>();

  constructor(
    private readonly root: Schema,
    private readonly options: JsonSchemaOptions,
  ) {}

  toGbnf(): string {
    this.rules.set('root', ''); // reserve the name
    const body = this.visit(this.root, 'root', '#');
    this.rules.set('root', body);
    this.primitive('space');
    const lines = [`root ::= ${this.rules.get('root')}`];
    for (const [name, b] of this.rules) if (name !== 'root') lines.push(`${name} ::= ${b}`);
    return `${lines.join('\n')}\n`;
  }

  private primitive(name: string): string {
    if (this.rules.has(name)) return name;
    if (name === 'space') {
      this.rules.set('space', this.options.whitespace === 'compact' ? '""' : '| " " | "\\n"{1,2} [ \\t]{0,20}');
      return name;
    }
    const [body, deps] = PRIMITIVES[name];
    this.rules.set(name, body);
    for (const d of deps) this.primitive(d);
    return name;
  }

  /** Adds a rule with a unique name derived from `hint`; returns the name. */
  private addRule(hint: string, body: string): string {
    const base = ruleName(hint);
    let name = base;
    for (let i = 1; this.rules.has(name) && this.rules.get(name) !== body; i++) name = `${base}-${i}`;
    this.rules.set(name, body);
    return name;
  }

  private unsupported(path: string, keyword: string): void {
    if (!this.options.ignoreUnsupported) {
      throw new JsonSchemaError(
        path,
        `"${keyword}" cannot be enforced by a grammar (pass ignoreUnsupported to skip it)`,
      );
    }
  }

  private resolveRef(ref: string, path: string): Schema {
    if (ref === '#') return this.root;
    const m = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
    if (!m)
      throw new JsonSchemaError(
        path,
        `only local references (#/$defs/..., #/definitions/...) are supported, got ${ref}`,
      );
    const defs = typeof this.root === 'object' ? (this.root[m[1]] as Record<string, Schema> | undefined) : undefined;
    const name = m[2].replace(/~1/g, '/').replace(/~0/g, '~');
    const target = defs?.[name];
    if (target === undefined) throw new JsonSchemaError(path, `unresolved reference ${ref}`);
    return target;
  }

  /** Returns a GBNF expression for `schema` (adding the rules it needs). */
  private visit(schema: Schema, hint: string, path: string): string {
    if (schema === true) return this.primitive('value');
    if (schema === false) throw new JsonSchemaError(path, 'the schema `false` matches nothing');
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      throw new JsonSchemaError(path, 'a schema must be an object or a boolean');
    }
    const s = schema;
    if (typeof s.$ref === 'string') {
      const ref = s.$ref;
      const known = this.refNames.get(ref);
      if (known) return known;
      // Reserve the name first so recursive references resolve to it.
      const name = this.addRule(ref === '#' ? 'root-ref' : ref.split('/').pop()!, `<pending ${ref}>`);
      this.refNames.set(ref, name);
      this.rules.set(name, this.visit(this.resolveRef(ref, path), name, ref));
      return name;
    }
    if ('const' in s) return `${gbnfLiteral(JSON.stringify(s.const))} space`;
    if (Array.isArray(s.enum)) {
      if (s.enum.length === 0) throw new JsonSchemaError(path, 'enum is empty');
      this.primitive('space');
      return `(${s.enum.map((v) => gbnfLiteral(JSON.stringify(v))).join(' | ')}) space`;
    }
    const alternatives = (s.oneOf ?? s.anyOf) as Schema[] | undefined;
    if (Array.isArray(alternatives)) {
      const key = s.oneOf ? 'oneOf' : 'anyOf';
      const alts = alternatives.map((alt, i) => this.visit(alt, `${hint}-${i}`, `${path}/${key}/${i}`));
      return this.addRule(hint, alts.join(' | '));
    }
    if (Array.isArray(s.allOf)) return this.visit(this.mergeAllOf(s, path), hint, path);
    if (Array.isArray(s.type)) {
      const alts = s.type.map((t, i) => this.visit({ ...s, type: t }, `${hint}-${t}`, `${path}/type/${i}`));
      return this.addRule(hint, alts.join(' | '));
    }
    const type = s.type as string | undefined;
    if (type === 'object' || (type === undefined && ('properties' in s || 'additionalProperties' in s))) {
      return this.addRule(hint, this.objectBody(s, hint, path));
    }
    if (type === 'array' || (type === undefined && ('items' in s || 'prefixItems' in s))) {
      return this.addRule(hint, this.arrayBody(s, hint, path));
    }
    if (type === 'string') return this.stringRule(s, hint, path);
    if (type === 'integer') return this.integerRule(s, hint, path);
    if (type === 'number') {
      for (const k of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf']) {
        if (k in s) this.unsupported(path, k);
      }
      return this.primitive('number');
    }
    if (type === 'boolean') return this.primitive('boolean');
    if (type === 'null') return this.primitive('null');
    if (type === undefined) return this.primitive('value');
    throw new JsonSchemaError(path, `unknown type ${JSON.stringify(type)}`);
  }

  private mergeAllOf(s: Record<string, unknown>, path: string): Schema {
    const merged: Record<string, unknown> = { type: 'object', properties: {}, required: [] as string[] };
    const parts = [...(s.allOf as Schema[])];
    const { allOf: _, ...rest } = s;
    if (Object.keys(rest).length > 0) parts.push(rest);
    for (let part of parts) {
      while (typeof part === 'object' && typeof part.$ref === 'string') part = this.resolveRef(part.$ref, path);
      if (typeof part !== 'object' || (part.type !== undefined && part.type !== 'object')) {
        throw new JsonSchemaError(path, 'allOf is supported for object schemas only');
      }
      Object.assign(merged.properties as object, part.properties ?? {});
      (merged.required as string[]).push(...((part.required as string[]) ?? []));
      if ('additionalProperties' in part) merged.additionalProperties = part.additionalProperties;
    }
    return merged;
  }

  private objectBody(s: Record<string, unknown>, hint: string, path: string): string {
    const space = this.primitive('space');
    const props = (s.properties ?? {}) as Record<string, Schema>;
    const required = new Set((s.required as string[] | undefined) ?? []);
    const additional = s.additionalProperties as Schema | undefined;
    const names = Object.keys(props);
    for (const r of required)
      if (!(r in props)) throw new JsonSchemaError(path, `required property "${r}" is not in properties`);
    if (names.length === 0 && (additional === undefined || additional === true)) return this.primitive('object');

    const kv = (name: string) => {
      const value = this.visit(props[name], `${hint}-${name}`, `${path}/properties/${name}`);
      return this.addRule(`${hint}-${name}-kv`, `${gbnfLiteral(JSON.stringify(name))} ${space} ":" ${space} ${value}`);
    };
    const req = names.filter((n) => required.has(n)).map(kv);
    const opt = names.filter((n) => !required.has(n)).map(kv);
    for (const r of required)
      if (!(r in props)) throw new JsonSchemaError(path, `required property "${r}" is not in properties`);
    if (additional !== undefined && additional !== false) {
      const value =
        additional === true
          ? this.primitive('value')
          : this.visit(additional, `${hint}-additional-value`, `${path}/additionalProperties`);
      const str = this.primitive('string');
      opt.push(this.addRule(`${hint}-additional-kv`, `${str} ":" ${space} ${value}`));
    }

    // Optional properties in order, any subset: opt(i) ::= kv_i ("," space opt(i+1))? | opt(i+1).
    let optional = '';
    if (opt.length > 0) {
      const isAdditional = additional !== undefined && additional !== false;
      let next = '';
      for (let i = opt.length - 1; i >= 0; i--) {
        // Additional properties may repeat.
        const item = isAdditional && i === opt.length - 1 ? `${opt[i]} ("," ${space} ${opt[i]})*` : opt[i];
        const body = next ? `${item} ("," ${space} ${next})? | ${next}` : item;
        next = this.addRule(`${hint}-opt-${i}`, body);
      }
      optional = next;
    }
    let inner: string;
    if (req.length > 0) {
      inner = req.join(` "," ${space} `);
      if (optional) inner += ` ("," ${space} ${optional})?`;
    } else {
      inner = optional ? `(${optional})?` : '';
    }
    return `"{" ${space} ${inner} "}" ${space}`;
  }

  private arrayBody(s: Record<string, unknown>, hint: string, path: string): string {
    const space = this.primitive('space');
    const sep = `"," ${space}`;
    if (Array.isArray(s.prefixItems)) {
      const items = (s.prefixItems as Schema[]).map((it, i) =>
        this.visit(it, `${hint}-${i}`, `${path}/prefixItems/${i}`),
      );
      return `"[" ${space} ${items.join(` ${sep} `)} "]" ${space}`;
    }
    const items =
      s.items === undefined ? this.primitive('value') : this.visit(s.items as Schema, `${hint}-item`, `${path}/items`);
    const min = (s.minItems as number | undefined) ?? 0;
    const max = s.maxItems as number | undefined;
    if (max !== undefined && max < min) throw new JsonSchemaError(path, `maxItems ${max} < minItems ${min}`);
    if (max === 0) return `"[" ${space} "]" ${space}`;
    const rest = max === undefined ? `(${sep} ${items})*` : `(${sep} ${items}){${Math.max(min - 1, 0)},${max - 1}}`;
    const restMin = max === undefined && min > 1 ? `(${sep} ${items}){${min - 1},}` : rest;
    const list = `${items} ${restMin}`;
    return `"[" ${space} ${min === 0 ? `(${list})?` : list} "]" ${space}`;
  }

  private stringRule(s: Record<string, unknown>, hint: string, path: string): string {
    if (typeof s.format === 'string' && FORMATS.has(s.format)) return this.primitive(s.format);
    if (s.format !== undefined) this.unsupported(path, `format: ${String(s.format)}`);
    const min = s.minLength as number | undefined;
    const max = s.maxLength as number | undefined;
    if (typeof s.pattern === 'string') {
      if (min !== undefined || max !== undefined) this.unsupported(path, 'minLength/maxLength together with pattern');
      const body = patternToGbnf(s.pattern, this.primitive('char'), `${path}/pattern`);
      return this.addRule(hint, `${body} ${this.primitive('space')}`);
    }
    if (min === undefined && max === undefined) return this.primitive('string');
    const char = this.primitive('char');
    const space = this.primitive('space');
    const reps = `{${min ?? 0},${max ?? ''}}`;
    return this.addRule(hint, `"\\"" ${char}${reps} "\\"" ${space}`);
  }

  private integerRule(s: Record<string, unknown>, hint: string, path: string): string {
    let min = s.minimum as number | undefined;
    let max = s.maximum as number | undefined;
    if (typeof s.exclusiveMinimum === 'number') min = Math.max(min ?? -Infinity, Math.floor(s.exclusiveMinimum) + 1);
    if (typeof s.exclusiveMaximum === 'number') max = Math.min(max ?? Infinity, Math.ceil(s.exclusiveMaximum) - 1);
    if ('multipleOf' in s) this.unsupported(path, 'multipleOf');
    if (min === undefined && max === undefined) return this.primitive('integer');
    return this.addRule(hint, `${integerRange(min, max)} ${this.primitive('space')}`);
  }
}

/**
 * Converts a JSON schema to a GBNF grammar whose root matches exactly the JSON texts (with the allowed
 * whitespace) that the schema accepts, within the supported keywords.
 * @throws JsonSchemaError naming the JSON pointer of an unsupported or malformed part.
 */
export function jsonSchemaToGbnf(schema: unknown, options: JsonSchemaOptions = {}): string {
  return new Converter(schema as Schema, options).toGbnf();
}
