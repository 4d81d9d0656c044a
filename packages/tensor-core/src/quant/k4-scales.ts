/**
 * The 12-byte scale block of Q4_K and Q5_K: eight 6-bit scales and eight 6-bit mins (`get_scale_min_k4`).
 *
 * ```
 * byte  0..3 : scale[j] low 6 bits  | (scale[j + 4] >> 4) << 6     (j = 0..3)
 * byte  4..7 : min[j]   low 6 bits  | (min[j + 4]   >> 4) << 6
 * byte  8..11: (scale[j + 4] & 15)  | (min[j + 4] & 15) << 4
 * ```
 */

/** 6-bit scale of sub-block `j` (0..7) from the scale bytes at `q[o .. o + 12)`. */
export function scaleK4(q: Uint8Array, o: number, j: number): number {
  return j < 4 ? q[o + j] & 63 : (q[o + j + 4] & 0x0f) | ((q[o + j - 4] >> 6) << 4);
}

/** 6-bit min of sub-block `j` (0..7) from the scale bytes at `q[o .. o + 12)`. */
export function minK4(q: Uint8Array, o: number, j: number): number {
  return j < 4 ? q[o + j + 4] & 63 : (q[o + j + 4] >> 4) | ((q[o + j] >> 6) << 4);
}

/** Packs eight 6-bit scales and mins (each 0..63) into the 12 bytes at `dst[o ..]`. */
export function packScaleMinK4(dst: Uint8Array, o: number, scales: Uint8Array, mins: Uint8Array): void {
  for (let j = 0; j < 8; j++) {
    const ls = scales[j];
    const lm = mins[j];
    if (j < 4) {
      dst[o + j] = ls;
      dst[o + j + 4] = lm;
    } else {
      dst[o + j + 4] = (ls & 0x0f) | ((lm & 0x0f) << 4);
      dst[o + j - 4] |= (ls >> 4) << 6;
      dst[o + j] |= (lm >> 4) << 6;
    }
  }
}
