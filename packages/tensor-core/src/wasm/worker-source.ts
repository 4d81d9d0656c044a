/**
 * The worker script, as source text (see environment.ts `startWorker`, which prepends `postToHost`,
 * `onHostMessage` and `closeSelf` for Node or browsers). A worker instantiates the kernel module once per
 * memory group on that group's shared memory, then loops: wait for a job in the control block, run its
 * share (`kernel(ith, nth, ...args)`), count itself done. It spins briefly before blocking, because jobs
 * of one forward pass follow each other within microseconds.
 */
import { CMD_EXIT, CMD_SYNC, CTL, CTL_ARGS, CTL_INTS } from './control-block.js';

export const WORKER_SOURCE = `
'use strict';
const GEN = ${CTL.GEN}, PENDING = ${CTL.PENDING}, KERNEL = ${CTL.KERNEL}, GROUP = ${CTL.GROUP}, NTH = ${CTL.NTH},
  CMD = ${CTL.CMD}, SLEEPERS = ${CTL.SLEEPERS}, CALLER_WAITING = ${CTL.CALLER_WAITING}, ERROR = ${CTL.ERROR};
const CMD_SYNC = ${CMD_SYNC}, CMD_EXIT = ${CMD_EXIT};
let ctl, args, module, names, ith, spin, seen = 0;
const groups = [];

function addGroup(id, memory) {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  groups[id] = names.map((n) => instance.exports[n]);
}

function done() {
  if (Atomics.sub(ctl, PENDING, 1) === 1 && Atomics.load(ctl, CALLER_WAITING) !== 0) Atomics.notify(ctl, PENDING);
}

function loop() {
  for (;;) {
    let g = Atomics.load(ctl, GEN);
    for (let i = 0; g === seen && i < spin; i++) g = Atomics.load(ctl, GEN);
    if (g === seen) {
      Atomics.add(ctl, SLEEPERS, 1);
      Atomics.wait(ctl, GEN, seen);
      Atomics.sub(ctl, SLEEPERS, 1);
      continue;
    }
    seen = g;
    const cmd = ctl[CMD];
    if (cmd === CMD_SYNC) return; // back to the event loop: the message posted before this job arrives
    if (cmd === CMD_EXIT) {
      done();
      closeSelf();
      return;
    }
    const nth = ctl[NTH];
    if (ith < nth) {
      try {
        const a = args;
        groups[ctl[GROUP]][ctl[KERNEL]](ith, nth, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9],
          a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17], a[18], a[19], a[20], a[21], a[22], a[23]);
      } catch (e) {
        Atomics.store(ctl, ERROR, 1);
        postToHost({ type: 'error', message: String(e && e.stack || e) });
      }
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
    spin = msg.spin;
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
