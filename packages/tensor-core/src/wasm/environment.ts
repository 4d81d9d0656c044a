/**
 * What the JavaScript engine offers the wasm backend: shared memory (threads), blocking waits, the
 * number of cores, and how to start a worker from source text. Node modules are reached through
 * `process.getBuiltinModule` (or a non-literal dynamic import) so that this file stays browser-safe
 * and bundlers do not try to resolve `node:*` for the web.
 */

/** A started worker, Node or browser, reduced to what the thread pool needs. */
export interface WorkerHandle {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onError(listener: (error: unknown) => void): void;
  terminate(): void;
  /** Lets the process exit while the worker lives (Node); no-op in browsers. */
  unref(): void;
}

interface NodeProcess {
  versions?: { node?: string };
  getBuiltinModule?: (id: string) => unknown;
}

interface NodeWorkerThreads {
  Worker: new (
    code: string,
    options: { eval: boolean },
  ) => {
    postMessage(m: unknown): void;
    on(event: string, l: (v: unknown) => void): void;
    terminate(): Promise<number>;
    unref(): void;
  };
}

function nodeProcess(): NodeProcess | undefined {
  const p = (globalThis as { process?: NodeProcess }).process;
  return p?.versions?.node ? p : undefined;
}

/** True when running under Node.js. */
export function isNode(): boolean {
  return nodeProcess() !== undefined;
}

/** Loads a Node builtin without a static `node:` import. */
async function nodeBuiltin<T>(id: string): Promise<T> {
  const p = nodeProcess();
  const direct = p?.getBuiltinModule?.(id);
  if (direct) return direct as T;
  const specifier = id;
  return (await import(/* @vite-ignore */ specifier)) as T;
}

/**
 * Whether threads can work here: SharedArrayBuffer exists and may be shared with workers (in a browser
 * that needs cross-origin isolation), and workers can be started.
 */
export function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return false;
  if (isNode()) return true;
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown };
  return g.crossOriginIsolated === true && typeof g.Worker === 'function';
}

/**
 * A module whose export `f` returns lane 0 of `i16x8.relaxed_dot_i8x16_i7x16_s(a, b)` for a = [-128, -128,
 * ...], b = [127, 127, ...]: -32512 where the instruction works as specified (a signed, b 7-bit, no
 * saturation). The kernels use only this relaxed instruction: Node 20's V8 (behind a flag) computes it
 * right but gets `i32x4.relaxed_dot_i8x16_i7x16_add_s` wrong (twice the dot product, without the addend).
 */
function relaxedProbe(): Uint8Array<ArrayBuffer> {
  const constant = (lanes: number[]) => [0xfd, 0x0c, ...lanes.map((x) => x & 0xff)];
  const body = [
    0x00,
    ...constant(new Array<number>(16).fill(-128)),
    ...constant(new Array<number>(16).fill(127)),
    ...[0xfd, 0x92, 0x02], // i16x8.relaxed_dot_i8x16_i7x16_s
    ...[0xfd, 0x18, 0x00], // i16x8.extract_lane_s 0
    0x0b,
  ];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f], // type: () -> i32
    ...[0x03, 0x02, 0x01, 0x00], // one function
    ...[0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00], // export "f"
    ...[0x0a, body.length + 2, 0x01, body.length, ...body],
  ]);
}

function relaxedDotWorks(): boolean {
  const probe = relaxedProbe();
  if (!WebAssembly.validate(probe)) return false;
  const f = new WebAssembly.Instance(new WebAssembly.Module(probe)).exports.f as () => number;
  return f() === -32512;
}

/**
 * Whether the engine runs relaxed SIMD, checked by computing with it. Node 20's V8 has it behind
 * `--experimental-wasm-relaxed-simd`; with `enableInNode`, the flag is switched on at run time
 * (`v8.setFlagsFromString`, before the kernels are compiled) and the result checked; if it is wrong the
 * flag is switched off again.
 */
export async function relaxedSimdAvailable(enableInNode: boolean): Promise<boolean> {
  if (relaxedDotWorks()) return true;
  if (!enableInNode || !isNode() || WebAssembly.validate(relaxedProbe())) return false;
  let v8: { setFlagsFromString(flags: string): void };
  try {
    v8 = await nodeBuiltin<{ setFlagsFromString(flags: string): void }>('node:v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  const works = relaxedDotWorks();
  if (!works) v8.setFlagsFromString('--no-experimental-wasm-relaxed-simd');
  return works;
}

/** Whether this thread may block in `Atomics.wait` (not on a browser's main thread). */
export function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Logical cores available to this process. */
export async function hardwareThreads(): Promise<number> {
  if (isNode()) {
    const os = await nodeBuiltin<{ availableParallelism?: () => number; cpus: () => unknown[] }>('node:os');
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return n && n > 0 ? n : 1;
}

/**
 * Starts a worker running `source` (a classic script). In Node the script sees `require`; in browsers it
 * runs from a Blob URL. The script talks through `postToHost` / `onHostMessage`, which the prelude defines.
 */
export async function startWorker(source: string): Promise<WorkerHandle> {
  if (isNode()) {
    const { Worker } = await nodeBuiltin<NodeWorkerThreads>('node:worker_threads');
    const prelude =
      // CommonJS normally; ES module when the parent runs with --input-type=module (workers inherit it)
      "const { parentPort } = typeof require === 'function' ? require('node:worker_threads') : process.getBuiltinModule('node:worker_threads');\n" +
      'const postToHost = (m) => parentPort.postMessage(m);\n' +
      'const onHostMessage = (f) => parentPort.on("message", f);\n' +
      'const closeSelf = () => parentPort.close();\n';
    const w = new Worker(prelude + source, { eval: true });
    return {
      postMessage: (m) => w.postMessage(m),
      onMessage: (l) => w.on('message', l),
      onError: (l) => w.on('error', l),
      terminate: () => void w.terminate(),
      unref: () => w.unref(),
    };
  }
  const prelude =
    'const postToHost = (m) => self.postMessage(m);\n' +
    'const onHostMessage = (f) => self.addEventListener("message", (e) => f(e.data));\n' +
    'const closeSelf = () => self.close();\n';
  const url = URL.createObjectURL(new Blob([prelude + source], { type: 'text/javascript' }));
  const w = new Worker(url);
  return {
    postMessage: (m) => w.postMessage(m),
    onMessage: (l) => w.addEventListener('message', (e) => l(e.data)),
    onError: (l) => w.addEventListener('error', (e) => l(e)),
    terminate: () => {
      w.terminate();
      URL.revokeObjectURL(url);
    },
    unref: () => {},
  };
}
