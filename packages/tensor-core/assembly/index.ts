// The kernel module: every export is a kernel `(ith, nth, ...args)` (see common.ts for conventions),
// plus `heap_base`, where the TypeScript side may start placing tensors.

export { quantize_q8_32, quantize_q8_32i, quantize_q8_32r, quantize_q8_K, quantize_q8_K32r } from './activations';
export { attention } from './attention';
export { anchor_value } from './common';
export * from './matmul';
export { add, f16_to_f32, f32_to_f16, read_memory, rms_norm, rope, swiglu, touch_pages } from './ops';

/** First free byte after the module's static data (16-byte aligned). */
export function heap_base(): usize {
  return (__heap_base + 15) & ~15;
}
