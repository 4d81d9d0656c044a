/**
 * How a KV cache's elements are stored, seen from WGSL. `f32`; `f16` with `shader-f16` (native f16
 * arrays); `f16` without it (two halves packed per u32, converted with pack2x16float / unpack2x16float).
 * The three give identical buffer layouts for their element type, so a cache's bytes do not depend on
 * the variant that wrote them.
 */
import type { ActivationType } from '../../backend.js';
import type { ShaderCaps } from './kernel.js';

export type KvStorage = 'f32' | 'f16' | 'f16packed';

export function kvStorage(type: ActivationType, caps: ShaderCaps): KvStorage {
  return type === 'f32' ? 'f32' : caps.f16 ? 'f16' : 'f16packed';
}

/** WGSL element type of a cache binding viewed as scalars (`array<...>`). */
export function kvScalarType(s: KvStorage): string {
  return s === 'f32' ? 'f32' : s === 'f16' ? 'f16' : 'u32';
}

/** `fn NAME(i: u32) -> f32`: element i of binding `buf`. */
export function kvLoadScalar(s: KvStorage, name: string, buf: string): string {
  if (s === 'f32') return `fn ${name}(i: u32) -> f32 { return ${buf}[i]; }`;
  if (s === 'f16') return `fn ${name}(i: u32) -> f32 { return f32(${buf}[i]); }`;
  return `fn ${name}(i: u32) -> f32 { return unpack2x16float(${buf}[i >> 1u])[i & 1u]; }`;
}

/** `fn NAME(i: u32) -> vec4<f32>`: elements 4i .. 4i + 3 of scalar binding `buf`. */
export function kvLoadVec4(s: KvStorage, name: string, buf: string): string {
  if (s === 'f32') {
    return `fn ${name}(i: u32) -> vec4<f32> { return vec4<f32>(${buf}[4u * i], ${buf}[4u * i + 1u], ${buf}[4u * i + 2u], ${buf}[4u * i + 3u]); }`;
  }
  if (s === 'f16') {
    return `fn ${name}(i: u32) -> vec4<f32> { return vec4<f32>(f32(${buf}[4u * i]), f32(${buf}[4u * i + 1u]), f32(${buf}[4u * i + 2u]), f32(${buf}[4u * i + 3u])); }`;
  }
  return `fn ${name}(i: u32) -> vec4<f32> { return vec4<f32>(unpack2x16float(${buf}[2u * i]), unpack2x16float(${buf}[2u * i + 1u])); }`;
}

/** `fn NAME(i: u32) -> vec2<f32>`: elements 2i and 2i + 1 of scalar binding `buf` (one word when packed). */
export function kvLoadPair(s: KvStorage, name: string, buf: string): string {
  if (s === 'f32') return `fn ${name}(i: u32) -> vec2<f32> { return vec2<f32>(${buf}[2u * i], ${buf}[2u * i + 1u]); }`;
  if (s === 'f16')
    return `fn ${name}(i: u32) -> vec2<f32> { return vec2<f32>(f32(${buf}[2u * i]), f32(${buf}[2u * i + 1u])); }`;
  return `fn ${name}(i: u32) -> vec2<f32> { return unpack2x16float(${buf}[i]); }`;
}

/** `fn NAME(i: u32, a: f32, b: f32)`: stores elements 2i and 2i + 1 of binding `buf`. */
export function kvStorePair(s: KvStorage, name: string, buf: string): string {
  if (s === 'f32') return `fn ${name}(i: u32, a: f32, b: f32) { ${buf}[2u * i] = a; ${buf}[2u * i + 1u] = b; }`;
  if (s === 'f16')
    return `fn ${name}(i: u32, a: f32, b: f32) { ${buf}[2u * i] = f16(a); ${buf}[2u * i + 1u] = f16(b); }`;
  return `fn ${name}(i: u32, a: f32, b: f32) { ${buf}[i] = pack2x16float(vec2<f32>(a, b)); }`;
}

/** Bytes per element. */
export function kvElementBytes(type: ActivationType): number {
  return type === 'f32' ? 4 : 2;
}
