/**
 * The worker script, as source text (see environment.ts `startWorker`, which prepends `postToHost`,
 * `onHostMessage` and `closeSelf` for Node or browsers). A worker instantiates the kernel module once per
 * memory group on that group's shared memory, then loops: wait for a job in the control block, claim its
 * share (unless the caller already took it), run `kernel(ith, nth, ...args)`, count the share done. It
 * spins for a short while before blocking, because the ops of a forward pass follow each other closely.
 */
import { CMD_EXIT, CMD_SYNC, CTL, CTL_ARGS, CTL_INTS, GEN_MASK, STATE_ALL, STATE_CLAIMED } from './control-block.js';

export const WORKER_SOURCE = `
'use strict';
const GEN = ${CTL.GEN}, PENDING = ${CTL.PENDING}, KERNEL = ${CTL.KERNEL}, GROUP = ${CTL.GROUP}, NTH = ${CTL.NTH},
  CMD = ${CTL.CMD}, SLEEPERS = ${CTL.SLEEPERS}, CALLER_WAITING = ${CTL.CALLER_WAITING}, ERROR = ${CTL.ERROR},
  STATE = ${CTL.STATE}, STATE_CLAIMED = ${STATE_CLAIMED}, STATE_ALL = ${STATE_ALL}, GEN_MASK = ${GEN_MASK},
  WORKER_SHARES = ${CTL.WORKER_SHARES};
const CMD_SYNC = ${CMD_SYNC}, CMD_EXIT = ${CMD_EXIT};
let ctl, args, module, names, ith, spinMs, slot, seen = 0;
const groups = [];

function addGroup(id, memory) {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  groups[id] = names.map((n) => instance.exports[n]);
}

function done() {
  if (Atomics.sub(ctl, PENDING, 1) === 1 && Atomics.load(ctl, CALLER_WAITING) !== 0) Atomics.notify(ctl, PENDING);
}

/** The next generation after \`seen\`: spins for spinMs, then blocks. */
function nextJob() {
  let g = Atomics.load(ctl, GEN);
  if (g !== seen) return g;
  const until = performance.now() + spinMs;
  for (;;) {
    for (let i = 0; i < 256; i++) {
      g = Atomics.load(ctl, GEN);
      if (g !== seen) return g;
    }
    if (performance.now() > until) break;
  }
  Atomics.add(ctl, SLEEPERS, 1);
  Atomics.wait(ctl, GEN, seen);
  Atomics.sub(ctl, SLEEPERS, 1);
  return Atomics.load(ctl, GEN);
}

function loop() {
  for (;;) {
    const g = nextJob();
    if (g === seen) continue;
    seen = g;
    const base = g * 4;
    if (Atomics.load(ctl, slot) === base + STATE_ALL) {
      if (ctl[CMD] === CMD_SYNC) return; // back to the event loop: the message posted before this job arrives
      if (ctl[CMD] === CMD_EXIT) {
        done();
        closeSelf();
        return;
      }
      continue;
    }
    // claim this worker's share; fails when the caller took it, or a newer job replaced this one
    if (Atomics.compareExchange(ctl, slot, base, base + STATE_CLAIMED) !== base) continue;
    Atomics.add(ctl, WORKER_SHARES, 1);
    try {
      const a = args;
      groups[ctl[GROUP]][ctl[KERNEL]](ith, ctl[NTH], a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9],
        a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17], a[18], a[19], a[20], a[21], a[22], a[23]);
    } catch (e) {
      Atomics.store(ctl, ERROR, 1);
      postToHost({ type: 'error', message: String((e && e.stack) || e) });
    }
    done();
  }
}

onHostMessage((msg) => {
  if (msg.type === 'init') {
    module = msg.module;
    ctl = new Int32Array(msg.control, 0, ${CTL_INTS});
    args = new Float64Array(msg.control, ${CTL_INTS * 4}, ${CTL_ARGS});
    names = msg.kernels;
    ith = msg.ith;
    slot = STATE + ith - 1;
    spinMs = msg.spinMicros / 1000;
    for (const [id, memory] of msg.groups) addGroup(id, memory);
    postToHost({ type: 'ready' });
    loop();
  } else if (msg.type === 'group') {
    addGroup(msg.id, msg.memory);
    done();
    loop();
  }
});
`;
