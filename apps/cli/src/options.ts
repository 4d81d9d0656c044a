/** Parsers for flag values: each rejects a bad value with a message that names the accepted range. */
import { InvalidArgumentError } from 'commander';

export function intArg(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n))
      throw new InvalidArgumentError(`Expected an integer.`);
    if (n < min || n > max) throw new InvalidArgumentError(`Expected an integer from ${min} to ${max}.`);
    return n;
  };
}

export function floatArg(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('Expected a number.');
    if (n < min || n > max) throw new InvalidArgumentError(`Expected a number from ${min} to ${max}.`);
    return n;
  };
}

/** A comma-separated list of integers (`128,512`), each in range. */
export function intListArg(min: number, max = Number.MAX_SAFE_INTEGER) {
  const one = intArg(min, max);
  return (value: string): number[] => {
    const parts = value.split(',').map((s) => s.trim());
    if (parts.some((p) => p === '')) throw new InvalidArgumentError('Expected a comma-separated list of integers.');
    return parts.map(one);
  };
}

/** Collects a repeatable flag into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export const BACKENDS = ['auto', 'wasm', 'webgpu', 'reference'] as const;
export type BackendName = (typeof BACKENDS)[number];

export function backendArg(value: string): BackendName {
  if (!(BACKENDS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`Expected one of ${BACKENDS.join(', ')}.`);
  }
  return value as BackendName;
}

/** `--threads`: a count, or `auto` for all cores. */
export function threadsArg(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  return intArg(1, 1024)(value);
}
