import { describe, expect, it } from 'vitest';
import { StopStringMatcher } from './stop-strings.js';

function run(stops: string[], pieces: string[]) {
  const m = new StopStringMatcher(stops);
  let out = '';
  for (const p of pieces) {
    const r = m.push(p);
    out += r.emit;
    if (r.stopped) return { out, stopped: true };
  }
  return { out: out + m.flush(), stopped: false };
}

describe('StopStringMatcher', () => {
  it('stops before a stop string split across pieces and never emits a part of it', () => {
    const m = new StopStringMatcher(['</end>']);
    expect(m.push('hello </e')).toEqual({ emit: 'hello ', stopped: false });
    expect(m.push('nd> tail')).toEqual({ emit: '', stopped: true });
  });
  it('releases held text when the candidate does not complete', () => {
    expect(run(['User:'], ['Hi Us', 'ually fine'])).toEqual({ out: 'Hi Usually fine', stopped: false });
  });
  it('picks the earliest of several stop strings', () => {
    expect(run(['B', 'A'], ['xxAyyB'])).toEqual({ out: 'xx', stopped: true });
  });
  it('passes text through with no stop strings', () => {
    expect(run([], ['a', 'b'])).toEqual({ out: 'ab', stopped: false });
  });
});
