/**
 * JSON schema → grammar. Unit checks on accepted/rejected texts, then generation: random logits sampled
 * under the schema with a small synthetic vocabulary (single characters plus multi-character pieces and a
 * character split over two byte tokens), many seeds; every completed output must JSON.parse and validate
 * against the schema with Ajv.
 */
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { accepts, automaton } from '../../test/grammar-utils.js';
import { JsonSchemaError } from '../errors.js';
import { Mt19937 } from '../rng.js';
import { createSampler } from '../sampler.js';
import { Grammar } from './grammar.js';
import { jsonSchemaToGbnf } from './json-schema.js';

const person = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 12 },
    age: { type: 'integer', minimum: 0, maximum: 130 },
    email: { type: 'string' },
    role: { enum: ['admin', 'user', 'guest'] },
    active: { type: 'boolean' },
    score: { type: 'number' },
    nickname: { type: ['string', 'null'] },
    tags: { type: 'array', items: { type: 'string', maxLength: 8 }, minItems: 1, maxItems: 3 },
    address: {
      type: 'object',
      properties: {
        street: { type: 'string' },
        city: { type: 'string' },
        zip: { type: 'string', minLength: 5, maxLength: 5 },
      },
      required: ['city'],
    },
  },
  required: ['name', 'age', 'role', 'tags'],
};

const tree = {
  $defs: {
    node: {
      type: 'object',
      properties: {
        value: { type: 'integer', exclusiveMinimum: -10, exclusiveMaximum: 10 },
        label: { const: 'leaf' },
        children: { type: 'array', items: { $ref: '#/$defs/node' }, maxItems: 2 },
      },
      required: ['value'],
    },
  },
  $ref: '#/$defs/node',
};

const shapes = {
  type: 'array',
  items: {
    oneOf: [
      {
        type: 'object',
        properties: { kind: { const: 'circle' }, radius: { type: 'number' } },
        required: ['kind', 'radius'],
      },
      {
        type: 'object',
        properties: { kind: { const: 'rect' }, w: { type: 'integer' }, h: { type: 'integer' } },
        required: ['kind', 'w', 'h'],
      },
    ],
  },
  maxItems: 4,
};

const event = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    day: { type: 'string', format: 'date' },
    at: { type: 'string', format: 'date-time' },
    point: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }] },
    meta: { type: 'object', additionalProperties: { type: 'integer' } },
    note: { type: 'string' },
    code: { type: 'string', pattern: '^[A-Z]{2}-\\d{3}$' },
  },
  required: ['id', 'day', 'point', 'meta', 'code'],
  additionalProperties: false,
};

describe('jsonSchemaToGbnf', () => {
  it('accepts valid documents (required properties first, as llama.cpp) and rejects invalid ones', () => {
    const a = automaton(jsonSchemaToGbnf(person));
    expect(accepts(a, '{"name": "Ada", "age": 36, "role": "admin", "tags": ["x"]}')).toBe(true);
    expect(
      accepts(
        a,
        '{ "name": "A\\"b\\\\c\\u00e9", "age": 0, "role": "guest", "tags": ["a", "b", "c"], "email": "a@b", "active": false,\n  "score": -1.5e3, "nickname": null, "address": {"city": "Paris", "zip": "75001"} }',
      ),
    ).toBe(true);
    // Missing required, wrong enum, out of range, too many items, unknown property, wrong order of fixed keys.
    expect(accepts(a, '{"name": "Ada", "role": "admin", "tags": ["x"]}')).toBe(false);
    expect(accepts(a, '{"name": "Ada", "age": 36, "role": "root", "tags": ["x"]}')).toBe(false);
    expect(accepts(a, '{"name": "Ada", "age": 131, "role": "admin", "tags": ["x"]}')).toBe(false);
    expect(accepts(a, '{"name": "Ada", "age": 1, "role": "admin", "tags": ["a","b","c","d"]}')).toBe(false);
    expect(accepts(a, '{"name": "Ada", "age": 1, "role": "admin", "tags": ["a"], "x": 1}')).toBe(false);
    expect(accepts(a, '{"name": "", "age": 1, "role": "admin", "tags": ["a"]}')).toBe(false);
    expect(accepts(a, '{"name": "a\nb", "age": 1, "role": "admin", "tags": ["a"]}')).toBe(false);
  });

  it('handles $ref recursion, oneOf, formats, tuples and additionalProperties', () => {
    const t = automaton(jsonSchemaToGbnf(tree));
    expect(accepts(t, '{"value": 9, "children": [{"value": -9, "label": "leaf"}, {"value": 0, "children": []}]}')).toBe(
      true,
    );
    expect(accepts(t, '{"value": 10}')).toBe(false);
    const s = automaton(jsonSchemaToGbnf(shapes));
    expect(accepts(s, '[{"kind": "circle", "radius": 2.5}, {"kind": "rect", "w": 1, "h": 2}]')).toBe(true);
    expect(accepts(s, '[{"kind": "circle", "w": 1, "h": 2}]')).toBe(false);
    const e = automaton(jsonSchemaToGbnf(event));
    expect(
      accepts(
        e,
        '{"id": "123e4567-e89b-12d3-a456-426614174000", "day": "2026-11-22", "point": [1, 2.5], "meta": {"a": 1, "b": 2}, "code": "AB-123", "at": "2026-11-22T12:00:00Z"}',
      ),
    ).toBe(true);
    expect(accepts(e, '{"id": "nope", "day": "2026-11-22", "point": [1, 2], "meta": {}, "code": "AB-123"}')).toBe(
      false,
    );
    expect(
      accepts(
        e,
        '{"id": "123e4567-e89b-12d3-a456-426614174000", "day": "2026-01-01", "point": [1, 2], "meta": {}, "code": "A-123"}',
      ),
    ).toBe(false);
    expect(
      accepts(e, '{"id": "123e4567-e89b-12d3-a456-426614174000", "day": "2026-13-01", "point": [1, 2], "meta": {}}'),
    ).toBe(false);
    expect(
      accepts(e, '{"id": "123e4567-e89b-12d3-a456-426614174000", "day": "2026-01-01", "point": [1], "meta": {}}'),
    ).toBe(false);
  });

  it('names the unsupported or malformed part', () => {
    expect(() => jsonSchemaToGbnf({ type: 'integer', multipleOf: 3 })).toThrow(JsonSchemaError);
    expect(() => jsonSchemaToGbnf({ type: 'number', minimum: 0 })).toThrow(/at #: "minimum" cannot be enforced/);
    expect(() => jsonSchemaToGbnf({ $ref: '#/$defs/missing' })).toThrow(/unresolved reference/);
    expect(() => jsonSchemaToGbnf({ type: 'object', required: ['x'], properties: {} })).toThrow(/"x"/);
    expect(jsonSchemaToGbnf({ type: 'number', minimum: 0 }, { ignoreUnsupported: true })).toContain('root ::=');
  });

  it('compact whitespace allows none', () => {
    const a = automaton(jsonSchemaToGbnf({ type: 'array', items: { type: 'integer' } }, { whitespace: 'compact' }));
    expect(accepts(a, '[1,2,3]')).toBe(true);
    expect(accepts(a, '[1, 2]')).toBe(false);
  });
});

// Synthetic vocabulary: EOG, printable ASCII, escapes, JSON punctuation pairs, keywords, and "é" both whole
// and as two byte tokens.
const enc = new TextEncoder();
const pieceTexts = [
  '',
  ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)),
  '\n',
  '{"',
  '":',
  '",',
  '"}',
  '"]',
  '["',
  ', "',
  ': "',
  'true',
  'false',
  'null',
  '\\n',
  '\\"',
  '\\\\',
  '\\u00e9',
  'é',
  'name',
  'age',
  'kind',
  'circle',
  'rect',
  'value',
  '2026-',
  '12',
  '0.5',
  '-1',
];
const vocab = {
  pieces: [...pieceTexts.map((t) => enc.encode(t)), Uint8Array.of(0xc3), Uint8Array.of(0xa9)],
  eog: [0],
};
const CLOSERS = new Set(['"', '}', ']', '"}', '"]', '",']);

/** Samples under `schema` from random logits (seeded); returns completed outputs and the number started. */
function generate(schema: object, runs: number, maxTokens = 600): { outputs: string[]; incomplete: number } {
  const grammar = Grammar.fromJsonSchema(schema);
  const noise = new Mt19937(7);
  const outputs: string[] = [];
  let incomplete = 0;
  const decoder = new TextDecoder();
  const logits = new Float32Array(vocab.pieces.length);
  for (let run = 0; run < runs; run++) {
    const sampler = createSampler({ seed: run, vocab, grammar, temperature: 1, topK: 0, topP: 1, minP: 0 });
    const bytes: number[] = [];
    let done = false;
    for (let step = 0; step < maxTokens && !done; step++) {
      for (let i = 0; i < logits.length; i++) {
        // Random preferences, nudged towards closing structures so outputs stay short.
        logits[i] = 3 * noise.nextFloat() + (CLOSERS.has(pieceTexts[i] ?? '') ? 2.5 : 0) + (i === 0 ? 4 : 0);
      }
      const t = sampler.sample(logits);
      sampler.accept(t);
      if (t === 0) done = true;
      else bytes.push(...vocab.pieces[t]);
    }
    if (done) outputs.push(decoder.decode(Uint8Array.from(bytes)));
    else incomplete++;
  }
  return { outputs, incomplete };
}

describe('sampling under a JSON schema', () => {
  const ajv = new Ajv({ strict: false, validateFormats: false });
  const formats: Record<string, RegExp> = {
    uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
    date: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
    'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?(Z|[+-]\d{2}:\d{2})$/,
  };
  for (const [name, re] of Object.entries(formats)) ajv.addFormat(name, re);
  const strictAjv = new Ajv({ strict: false });
  for (const [name, re] of Object.entries(formats)) strictAjv.addFormat(name, re);

  it.each([
    ['person (nested objects, enums, ranges, arrays, nullable)', person, 60],
    ['tree ($ref recursion, const, exclusive bounds)', tree, 60],
    ['shapes (oneOf, const discriminators)', shapes, 60],
    ['event (formats, pattern, tuple, additionalProperties)', event, 40],
  ])('%s: every completed output parses and validates', (_name, schema, runs) => {
    const validate = strictAjv.compile(schema);
    const { outputs, incomplete } = generate(schema, runs);
    expect(outputs.length).toBeGreaterThanOrEqual(Math.floor(runs * 0.8));
    expect(incomplete).toBeLessThanOrEqual(runs * 0.2);
    for (const text of outputs) {
      let value: unknown;
      expect(() => {
        value = JSON.parse(text);
      }, text).not.toThrow();
      if (!validate(value)) throw new Error(`${text}\n${JSON.stringify(validate.errors)}`);
    }
    // The outputs are not all the same (the seeds matter).
    expect(new Set(outputs).size).toBeGreaterThan(Math.min(10, outputs.length / 4));
  });

  it('uses escapes and the split character in strings', () => {
    const { outputs } = generate({ type: 'array', items: { type: 'string' }, maxItems: 6 }, 60);
    const all = outputs.join('');
    expect(all).toMatch(/\\/);
    expect(outputs.every((o) => Array.isArray(JSON.parse(o)))).toBe(true);
  });
});
