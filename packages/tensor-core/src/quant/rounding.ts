/** C `roundf`: rounds half away from zero (JS Math.round rounds half towards +infinity). */
export function roundAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** ggml's `nearest_int`: round to nearest with ties to even, as the float magic-number trick does. */
export function nearestInt(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}
