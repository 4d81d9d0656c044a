/**
 * Compiles and runs Jinja chat templates with `@huggingface/jinja`, adjusted where its behaviour differs from
 * jinja2 as transformers configures it (sandboxed, `trim_blocks`, `lstrip_blocks`):
 * - `{{ value }}` prints Python's `str(value)` (`None`, `True`, `['a', 1]`, `{'k': 'v'}`), not JSON;
 * - a `for` loop over an undefined variable (e.g. `tools` when none are passed) runs zero times, and a loop
 *   over a string walks its characters, instead of throwing;
 * - string filters (`trim`, `upper`, ...) treat an undefined value as `''` and sequence filters (`length`,
 *   `join`, ...) as `[]`, as jinja2's default `Undefined` does;
 * - `length` of a string counts code points and `title` capitalises words split at spaces, `-`, and opening
 *   brackets (Python semantics);
 * - string literals follow Python's escape rules (line continuation, `\x`, octal, unknown escapes kept);
 * - the globals (`raise_exception`, `strftime_now`, `range`, ...) are ours, so the clock can be injected and
 *   `raise_exception` throws a typed {@link TemplateError}.
 * The adjustments are AST rewrites plus an `Interpreter` subclass; the library itself is not patched.
 */
import * as jinja from '@huggingface/jinja';
import { TemplateError, TemplateRenderError, TemplateSyntaxError } from './errors.js';
import { pyStr, type RuntimeLike } from './python-format.js';
import { normalizeStringLiterals } from './python-strings.js';
import { strftime } from './strftime.js';

/** A node as this module sees it: a `type` tag and the fields named in `@huggingface/jinja`'s ast.ts. */
interface Node {
  type: string;
  [field: string]: unknown;
}

/** The parts of `@huggingface/jinja` used here. Its published typings do not resolve under NodeNext, so the
 * shapes are declared here and checked by this package's tests. */
interface JinjaEnvironment {
  set(name: string, value: unknown): RuntimeLike;
}
interface JinjaInterpreter {
  evaluate(node: Node | undefined, environment: JinjaEnvironment): RuntimeLike;
  run(program: Node): RuntimeLike;
}
interface JinjaModule {
  tokenize(source: string, options: { lstrip_blocks: boolean; trim_blocks: boolean }): unknown;
  parse(tokens: unknown): Node & { body: Node[] };
  Environment: new () => JinjaEnvironment;
  Interpreter: new (env: JinjaEnvironment) => JinjaInterpreter;
}
const { tokenize, parse, Environment, Interpreter } = jinja as unknown as JinjaModule;
type Program = ReturnType<JinjaModule['parse']>;

/** Synthetic node: print the inner expression with Python's `str()`. */
const PY_STR = 'LlamatsPyStr';
/** Synthetic node: the inner expression as something a `for` loop can walk (undefined → [], str → chars). */
const PY_ITERABLE = 'LlamatsPyIterable';

const STATEMENT_TYPES = new Set([
  'Program',
  'If',
  'For',
  'Break',
  'Continue',
  'Set',
  'Macro',
  'Comment',
  'FilterStatement',
  'CallStatement',
]);
const BODY_FIELDS = ['body', 'alternate', 'defaultBlock'] as const;

/** Synthetic node: the inner expression, with undefined replaced by `''` (`as: 'string'`) or `[]`. */
const PY_UNDEFINED_AS = 'LlamatsPyUndefinedAs';
const STRING_FILTERS = new Set(['trim', 'upper', 'lower', 'title', 'capitalize', 'replace', 'string', 'indent']);
const SEQUENCE_FILTERS = new Set(['length', 'count', 'list', 'join', 'reverse', 'sort', 'unique', 'first', 'last']);

function filterName(filter: Node): string | undefined {
  const id = filter.type === 'CallExpression' ? (filter.callee as Node) : filter;
  return id.type === 'Identifier' ? (id.value as string) : undefined;
}

/** Visits every node below `value` (arrays, nodes, and the Map of an object literal). */
function walk(value: unknown, visit: (node: Node) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) walk(v, visit);
  } else if (value instanceof Map) {
    for (const [k, v] of value) {
      walk(k, visit);
      walk(v, visit);
    }
  } else if (value && typeof value === 'object' && typeof (value as Node).type === 'string') {
    visit(value as Node);
    for (const key of Object.keys(value)) walk((value as Node)[key], visit);
  }
}

/** Synthetic node: a filter whose Python semantics differ on strings (`operand`, `filter` as FilterExpression). */
const PY_STRING_FILTER = 'LlamatsPyStringFilter';
/** Synthetic node: an already evaluated value. */
const PY_CONST = 'LlamatsPyConst';
const PY_STRING_FILTERS: Record<string, (s: string) => string | number> = {
  length: (s) => Array.from(s).length,
  count: (s) => Array.from(s).length,
  // jinja2's do_title: split before runs of `-`, whitespace and opening brackets; upper-case each piece's
  // first character and lower-case the rest.
  title: (s) =>
    s
      .split(/([-\s({[<]+)/u)
      .map((w) => (w ? w.charAt(0).toUpperCase() + w.slice(1).toLowerCase() : w))
      .join(''),
};

/** Wraps the operand of string and sequence filters so an undefined operand acts as jinja2's Undefined. */
function rewriteFilters(program: Node): void {
  walk(program, (node) => {
    if (node.type !== 'FilterExpression') return;
    const name = filterName(node.filter as Node);
    if (!name) return;
    const as = STRING_FILTERS.has(name) ? 'string' : SEQUENCE_FILTERS.has(name) ? 'sequence' : undefined;
    if (as) node.operand = { type: PY_UNDEFINED_AS, expr: node.operand, as };
    if (name in PY_STRING_FILTERS && node.filter && (node.filter as Node).type === 'Identifier')
      node.type = PY_STRING_FILTER;
  });
}

/** Rewrites a statement list in place: output expressions get {@link PY_STR}, loops get {@link PY_ITERABLE}. */
function rewriteBody(statements: Node[]): void {
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i];
    if (!STATEMENT_TYPES.has(s.type)) {
      // `{{ expr }}` or template text: printed by the enclosing block.
      if (s.type !== 'StringLiteral') statements[i] = { type: PY_STR, expr: s };
      continue;
    }
    if (s.type === 'For') {
      const iterable = s.iterable as Node;
      if (iterable.type === 'SelectExpression') iterable.lhs = { type: PY_ITERABLE, expr: iterable.lhs };
      else s.iterable = { type: PY_ITERABLE, expr: iterable };
    }
    for (const f of BODY_FIELDS) {
      const body = s[f];
      if (Array.isArray(body)) rewriteBody(body as Node[]);
    }
  }
}

// The runtime value classes are not exported by the library; take them from values it creates.
const probe = new Environment();
const StringValueClass = probe.set('s', '').constructor as new (value: string) => RuntimeLike;
const ArrayValueClass = probe.set('a', []).constructor as new (value: RuntimeLike[]) => RuntimeLike;
const IntegerValueClass = probe.set('i', 0).constructor as new (value: number) => RuntimeLike;

class PythonicInterpreter extends Interpreter {
  override evaluate(node: Node | undefined, environment: JinjaEnvironment): RuntimeLike {
    if (node?.type === PY_STR) {
      const value = this.evaluate(node.expr as Node, environment);
      return value.type === 'StringValue' ? value : new StringValueClass(pyStr(value));
    }
    if (node?.type === PY_ITERABLE) {
      const value = this.evaluate(node.expr as Node, environment);
      if (value.type === 'UndefinedValue') return new ArrayValueClass([]);
      if (value.type === 'StringValue') {
        return new ArrayValueClass(Array.from(value.value as string, (ch) => new StringValueClass(ch)));
      }
      return value;
    }
    if (node?.type === PY_CONST) return node.value as RuntimeLike;
    if (node?.type === PY_STRING_FILTER) {
      const operand = this.evaluate(node.operand as Node, environment);
      const name = (node.filter as Node).value as string;
      if (operand.type === 'StringValue') {
        const out = PY_STRING_FILTERS[name](operand.value as string);
        return typeof out === 'string' ? new StringValueClass(out) : new IntegerValueClass(out);
      }
      const original = { type: 'FilterExpression', operand: { type: PY_CONST, value: operand }, filter: node.filter };
      return this.evaluate(original, environment);
    }
    if (node?.type === PY_UNDEFINED_AS) {
      const value = this.evaluate(node.expr as Node, environment);
      if (value.type !== 'UndefinedValue') return value;
      return node.as === 'string' ? new StringValueClass('') : new ArrayValueClass([]);
    }
    return super.evaluate(node, environment);
  }
}

/** A parsed template, ready to render many times. */
export interface CompiledTemplate {
  readonly name: string;
  readonly program: Program;
}

/** Parses `source` with `trim_blocks` and `lstrip_blocks`, as transformers does. */
export function compileTemplate(source: string, name = '<string>'): CompiledTemplate {
  let program: Program;
  try {
    program = parse(tokenize(normalizeStringLiterals(source), { lstrip_blocks: true, trim_blocks: true }));
  } catch (cause) {
    throw new TemplateSyntaxError(name, (cause as Error).message, { cause });
  }
  rewriteFilters(program);
  rewriteBody(program.body);
  return { name, program };
}

function pythonRange(start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (step === 0) throw new TemplateError('range() arg 3 must not be zero');
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  return out;
}

/** Runs a compiled template with `variables` (plain JS values) and the jinja2/transformers globals. */
export function runTemplate(template: CompiledTemplate, variables: Record<string, unknown>, now: () => Date): string {
  const env = new Environment();
  const globals: Record<string, unknown> = {
    true: true,
    false: false,
    none: null,
    True: true,
    False: false,
    None: null,
    range: pythonRange,
    raise_exception: (message: unknown) => {
      throw new TemplateError(String(message));
    },
    strftime_now: (format: string) => strftime(now(), format),
  };
  for (const [k, v] of Object.entries({ ...globals, ...variables })) {
    if (v !== undefined) env.set(k, v);
  }
  try {
    const result = new PythonicInterpreter(env).run(template.program);
    return result.value as string;
  } catch (cause) {
    if (cause instanceof TemplateError) throw cause;
    throw new TemplateRenderError(template.name, (cause as Error).message, { cause });
  }
}
