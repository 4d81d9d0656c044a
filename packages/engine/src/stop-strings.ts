/**
 * Streams generated text while watching for stop strings. Text that could still become the start of a
 * stop string is held back, so a partial stop string is never emitted; when a stop string completes,
 * only the text before it is released.
 */
export class StopStringMatcher {
  private pending = '';
  private readonly maxLen: number;

  constructor(private readonly stops: readonly string[]) {
    this.maxLen = stops.reduce((m, s) => Math.max(m, s.length), 0);
  }

  /** Adds text; returns what may be emitted now and whether a stop string was found. */
  push(text: string): { emit: string; stopped: boolean } {
    if (this.stops.length === 0) return { emit: text, stopped: false };
    this.pending += text;
    let cut = -1;
    for (const s of this.stops) {
      if (!s) continue;
      const i = this.pending.indexOf(s);
      if (i >= 0 && (cut < 0 || i < cut)) cut = i;
    }
    if (cut >= 0) {
      const emit = this.pending.slice(0, cut);
      this.pending = '';
      return { emit, stopped: true };
    }
    // Hold back the longest suffix that is a prefix of some stop string.
    let hold = 0;
    const maxHold = Math.min(this.pending.length, this.maxLen - 1);
    for (let k = maxHold; k > 0; k--) {
      const tail = this.pending.slice(this.pending.length - k);
      if (this.stops.some((s) => s.startsWith(tail))) {
        hold = k;
        break;
      }
    }
    const emit = this.pending.slice(0, this.pending.length - hold);
    this.pending = this.pending.slice(this.pending.length - hold);
    return { emit, stopped: false };
  }

  /** Releases held-back text at the end of generation (no stop string completed). */
  flush(): string {
    const t = this.pending;
    this.pending = '';
    return t;
  }
}
