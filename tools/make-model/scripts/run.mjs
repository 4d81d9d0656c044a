// Runs a TypeScript entry of this workspace without building its dependencies: esbuild bundles the
// entries with the `source` export condition (every @llamats/* import resolves to its src/*.ts), like
// gguf-format's bench. Usage: node scripts/run.mjs PKG_DIR ENTRY [EXTRA_ENTRY...] -- ARGS
// The first entry runs with ARGS; extra entries (child-process runners) are bundled beside it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { build } from 'esbuild';

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
const [pkgDir, ...entries] = sep < 0 ? argv : argv.slice(0, sep);
let args = sep < 0 ? [] : argv.slice(sep + 1);
if (args[0] === '--') args = args.slice(1);
const root = resolve(import.meta.dirname, '../../..');

// tensor-core's wasm kernels are compiled into a generated module; make it once if it is missing.
const kernels = join(root, 'packages/tensor-core/src/wasm/generated/kernels.ts');
if (!existsSync(kernels)) {
  const r = spawnSync(process.execPath, ['scripts/build-wasm.mjs'], {
    cwd: join(root, 'packages/tensor-core'),
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// Under node_modules: ignored by git and biome alike.
const outdir = join(resolve(pkgDir), 'node_modules', '.cache', 'run');
await build({
  entryPoints: entries.map((e) => join(resolve(pkgDir), e)),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['source'],
  outdir,
  outExtension: { '.js': '.mjs' },
  sourcemap: 'inline',
  logLevel: 'warning',
  // CommonJS dependencies that call require() on Node built-ins need a require in ESM output.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const main = join(outdir, `${basename(entries[0]).replace(/\.ts$/, '')}.mjs`);
const child = spawn(process.execPath, ['--enable-source-maps', main, ...args], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
