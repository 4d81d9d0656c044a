// Bundles the chat page into dist/ (or `outdir`): index.html, main.js (the page), worker.js (inference),
// and the demo model under models/. Workspace packages are bundled from their TypeScript sources.
// Usage: node scripts/build.mjs [outdir]
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const appRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const defaultOutdir = join(appRoot, 'dist');
export const demoModel = resolve(appRoot, '../../models/stories-demo-Q8_0.gguf');

// The engine opens file paths through `@llamats/gguf-format/node` (a dynamic import, reached only in Node);
// esbuild would inline it, with static imports of node:fs at the top of the worker, which a browser cannot load.
const browserStubs = {
  name: 'llamats-browser-stubs',
  setup(b) {
    b.onResolve({ filter: /^@llamats\/gguf-format\/node$/ }, (args) => ({
      path: args.path,
      namespace: 'browser-stub',
    }));
    b.onLoad({ filter: /.*/, namespace: 'browser-stub' }, () => ({
      contents:
        "const unavailable = () => { throw new TypeError('Files on disk cannot be opened in a browser: pass a File, Blob or URL'); };\n" +
        'export const FileSource = { open: unavailable };\n',
      loader: 'js',
    }));
  },
};

/** Builds the page into `outdir` (default apps/web/dist) and returns the folder. */
export async function buildPage({ outdir = defaultOutdir, minify = true } = {}) {
  await mkdir(join(outdir, 'models'), { recursive: true });
  await build({
    absWorkingDir: appRoot,
    entryPoints: { main: 'src/page/main.ts', worker: 'src/page/worker.ts' },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['source'],
    plugins: [browserStubs],
    minify,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  for (const name of ['main.js', 'worker.js']) {
    const code = await readFile(join(outdir, name), 'utf8');
    const node = /\bfrom\s*["']node:[\w/]+["']/.exec(code);
    if (node)
      throw new Error(`${name} statically imports a Node built-in (${node[0]}): it would not load in a browser`);
  }
  await copyFile(join(appRoot, 'src/page/index.html'), join(outdir, 'index.html'));
  await copyFile(demoModel, join(outdir, 'models', 'stories-demo-Q8_0.gguf'));
  return outdir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const outdir = await buildPage({ outdir: process.argv[2] ? resolve(process.argv[2]) : defaultOutdir });
  console.log(`built the page into ${outdir}`);
}
