/**
 * Child-process entry of one peer run: reads a {@link BenchJob} as JSON on stdin, runs it, and prints the
 * result (with this process's peak resident memory) on one marked stdout line. Log lines go to stderr.
 */
import { PEERS, type PeerName, RESULT_MARK, runPeerInProcess } from './peers/index.js';
import type { BenchJob } from './peers/types.js';

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

async function main(): Promise<void> {
  const peer = process.argv[2] as PeerName;
  if (!PEERS.includes(peer)) throw new Error(`runner: unknown peer "${peer}"; one of ${PEERS.join(', ')}`);
  const job = JSON.parse(await readStdin()) as BenchJob;
  const result = await runPeerInProcess(peer, job, (line) => process.stderr.write(`[log] ${line}\n`));
  // Node peers compute in this process, so its peak is theirs (wllama's lives in Chromium's processes).
  const peakRssBytes = peer === 'wllama' ? undefined : process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`${RESULT_MARK}${JSON.stringify({ ...result, peakRssBytes })}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
