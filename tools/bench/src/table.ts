/** The bench table: one row per model × peer × thread count, with llamats/peer ratios and the decode limit. */
import type { BenchRow } from './bench.js';

const fmt = (v: number | undefined, digits = 1) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const mib = (b: number | undefined) => (b === undefined ? '-' : `${(b / 2 ** 20).toFixed(0)} MiB`);

/** Renders rows as an aligned text table (numbers right-aligned). */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly boolean[],
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The table of a bench run. `ppLengths` and `tg` name the columns. */
export function renderBenchTable(rows: readonly BenchRow[], ppLengths: readonly number[], tg: number): string {
  const headers = [
    'model',
    'peer',
    'thr',
    'load s',
    '1st tok s',
    ...ppLengths.map((n) => `pp${n} t/s`),
    ...(tg > 0 ? [`tg${tg} t/s`, 'tg % limit'] : []),
    'llamats/peer',
    'peak RSS',
    'notes',
  ];
  const body = rows.map((r) => {
    const ratio = r.ratio
      ? [
          ...(r.ratio.tg !== undefined ? [`tg ${fmt(r.ratio.tg, 2)}x`] : []),
          ...ppLengths.filter((n) => r.ratio?.pp[n] !== undefined).map((n) => `pp${n} ${fmt(r.ratio?.pp[n], 2)}x`),
        ].join(', ')
      : '';
    return [
      r.model,
      r.peer,
      String(r.threads),
      fmt(r.loadSeconds, 2),
      fmt(r.firstTokenSeconds, 2),
      ...ppLengths.map((n) => fmt(r.pp[n])),
      ...(tg > 0
        ? [fmt(r.tg), r.tgPercentOfLimit === undefined ? '-' : `${fmt(r.tgPercentOfLimit, 0)}% of ${fmt(r.tgLimit)}`]
        : []),
      ratio,
      mib(r.peakRssBytes),
      // Full messages are in the JSON; the table keeps the first line, cut short.
      clip([r.error ?? '', ...r.problems].filter(Boolean).join('; '), 80),
    ];
  });
  const right = headers.map(
    (h) =>
      h.endsWith('t/s') || h === 'thr' || h === 'load s' || h === '1st tok s' || h === 'peak RSS' || h === 'tg % limit',
  );
  return formatTable(headers, body, right);
}

/**
 * One line per peer row measured in several rounds: llamats/peer in each round, decode then each prompt
 * length (the table shows their medians). A spread like 0.92, 1.19, 1.03 says more about a shared machine
 * than the median alone.
 */
export function renderRoundRatios(rows: readonly BenchRow[], ppLengths: readonly number[]): string[] {
  const list = (v: readonly number[]) => v.map((x) => fmt(x, 2)).join(', ');
  const lines: string[] = [];
  for (const r of rows) {
    const turns = r.roundRatios;
    if (!turns) continue;
    const parts = [
      ...(turns.tg.length ? [`tg ${list(turns.tg)}`] : []),
      ...ppLengths.filter((n) => turns.pp[n]?.length).map((n) => `pp${n} ${list(turns.pp[n])}`),
    ];
    if (parts.length) lines.push(`${r.model} ${r.peer} t=${r.threads}: llamats/peer by round: ${parts.join('; ')}`);
  }
  return lines;
}
