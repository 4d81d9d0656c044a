/** Typed reads of metadata values, with errors that name the key. */
import { GgufKeyError } from './errors.js';
import { type GgufArray, type GgufValue, isGgufArray } from './metadata.js';
import type { GgufFile } from './reader.js';

type Source = Pick<GgufFile, 'get'>;

function describe(v: GgufValue | undefined): string {
  if (v === undefined) return 'missing';
  if (isGgufArray(v)) return `an array of ${v.values.length}`;
  return `${typeof v} ${String(v)}`;
}

/** A number (any integer or float type; 64-bit integers are converted when safe). */
export function getNumber(f: Source, key: string): number | undefined {
  const v = f.get(key);
  if (v === undefined) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)) {
    return Number(v);
  }
  throw new GgufKeyError(key, `Metadata "${key}" should be a number but is ${describe(v)}`);
}

export function requireNumber(f: Source, key: string): number {
  const v = getNumber(f, key);
  if (v === undefined) throw new GgufKeyError(key, `Required metadata "${key}" is missing from the GGUF file`);
  return v;
}

export function getString(f: Source, key: string): string | undefined {
  const v = f.get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new GgufKeyError(key, `Metadata "${key}" should be a string but is ${describe(v)}`);
  return v;
}

export function getBool(f: Source, key: string): boolean | undefined {
  const v = f.get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new GgufKeyError(key, `Metadata "${key}" should be a bool but is ${describe(v)}`);
  return v;
}

export function getArray(f: Source, key: string): GgufArray | undefined {
  const v = f.get(key);
  if (v === undefined) return undefined;
  if (!isGgufArray(v)) throw new GgufKeyError(key, `Metadata "${key}" should be an array but is ${describe(v)}`);
  return v;
}

export function getStringArray(f: Source, key: string): readonly string[] | undefined {
  const a = getArray(f, key);
  if (a === undefined) return undefined;
  if (a.values.length > 0 && typeof a.values[0] !== 'string') {
    throw new GgufKeyError(key, `Metadata "${key}" should be an array of strings`);
  }
  return a.values as readonly string[];
}

/** A numeric array as plain numbers (typed arrays are returned as they are). */
export function getNumberArray(f: Source, key: string): ArrayLike<number> | undefined {
  const a = getArray(f, key);
  if (a === undefined) return undefined;
  const vals = a.values;
  if (vals instanceof BigInt64Array || vals instanceof BigUint64Array) return Array.from(vals, Number);
  if (vals.length > 0 && typeof vals[0] !== 'number') {
    throw new GgufKeyError(key, `Metadata "${key}" should be an array of numbers`);
  }
  return vals as ArrayLike<number>;
}
