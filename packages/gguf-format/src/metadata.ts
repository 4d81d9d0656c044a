/** GGUF metadata value types and the in-memory representation of key/value pairs. */

/** GGUF value type ids (gguf.h `enum gguf_type`). */
export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** Size in bytes of one fixed-size value; 0 for strings and arrays. */
export const GGUF_VALUE_SIZE: Readonly<Record<GgufValueType, number>> = {
  [GgufValueType.UINT8]: 1,
  [GgufValueType.INT8]: 1,
  [GgufValueType.UINT16]: 2,
  [GgufValueType.INT16]: 2,
  [GgufValueType.UINT32]: 4,
  [GgufValueType.INT32]: 4,
  [GgufValueType.FLOAT32]: 4,
  [GgufValueType.BOOL]: 1,
  [GgufValueType.STRING]: 0,
  [GgufValueType.ARRAY]: 0,
  [GgufValueType.UINT64]: 8,
  [GgufValueType.INT64]: 8,
  [GgufValueType.FLOAT64]: 8,
};

/**
 * An array value. Numeric arrays use typed arrays (vocabulary scores stay compact); 64-bit integers use
 * bigint arrays; strings, bools and nested arrays use plain arrays.
 */
export interface GgufArray {
  readonly itemType: GgufValueType;
  readonly values:
    | Uint8Array
    | Int8Array
    | Uint16Array
    | Int16Array
    | Uint32Array
    | Int32Array
    | Float32Array
    | Float64Array
    | BigUint64Array
    | BigInt64Array
    | readonly boolean[]
    | readonly string[]
    | readonly GgufArray[];
}

export type GgufScalar = number | bigint | boolean | string;
export type GgufValue = GgufScalar | GgufArray;

export interface GgufKV {
  readonly key: string;
  readonly type: GgufValueType;
  readonly value: GgufValue;
}

export function isGgufArray(v: GgufValue | undefined): v is GgufArray {
  return typeof v === 'object' && v !== null && 'itemType' in v;
}
