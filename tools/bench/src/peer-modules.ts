/**
 * Loading the peers from their own install (`tools/bench/peers/node_modules`), installing it on first use
 * with npm from the lockfile: `--omit=optional` keeps node-llama-cpp's CUDA/Vulkan binaries out and
 * `--ignore-scripts` its postinstall (which would try to download or build llama.cpp); the prebuilt CPU
 * binary comes from `@node-llama-cpp/linux-x64`, a direct dependency there.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { peersDir, peersModules } from './paths.js';

/** Thrown when a peer's package cannot be found or installed; says how to install it by hand. */
export class PeerUnavailableError extends Error {
  constructor(
    message: string,
    readonly peer: string,
  ) {
    super(message);
    this.name = 'PeerUnavailableError';
  }
}

export const INSTALL_COMMAND = 'npm install --omit=optional --ignore-scripts --no-audit --no-fund';

/** Whether a peer package is installed. */
export function hasPeerPackage(name: string): boolean {
  return existsSync(join(peersModules, name, 'package.json'));
}

/** The installed version of a peer package. */
export function peerPackageVersion(name: string): string {
  const pkg = JSON.parse(readFileSync(join(peersModules, name, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Installs the peers (pinned by `peers/package-lock.json`) unless already there. */
export async function installPeers(log: (line: string) => void): Promise<void> {
  const needed = ['node-llama-cpp', '@node-llama-cpp/linux-x64', '@wllama/wllama', 'playwright-core'];
  if (needed.every(hasPeerPackage)) return;
  log(`installing peers into ${peersDir} (${INSTALL_COMMAND})`);
  const [cmd, ...args] = INSTALL_COMMAND.split(' ');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: peersDir, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new PeerUnavailableError(`${INSTALL_COMMAND} exited with ${code}`, 'peers')),
    );
  });
}

/** Imports an ESM peer package from the peers' install (its `exports["."].import` or `main`). */
export async function importPeer<T>(name: string): Promise<T> {
  if (!hasPeerPackage(name)) {
    throw new PeerUnavailableError(`${name} is not installed: run \`${INSTALL_COMMAND}\` in ${peersDir}`, name);
  }
  const dir = join(peersModules, name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    main?: string;
    exports?: Record<string, unknown> | string;
  };
  const entry = resolveExport(pkg.exports) ?? pkg.main ?? 'index.js';
  return (await import(pathToFileURL(join(dir, entry)).href)) as T;
}

function resolveExport(exports: Record<string, unknown> | string | undefined): string | undefined {
  if (typeof exports === 'string') return exports;
  let node: unknown = exports?.['.'] ?? exports;
  // Follow import → node → default conditions down to a path.
  for (let i = 0; i < 4 && typeof node === 'object' && node !== null; i++) {
    const o = node as Record<string, unknown>;
    node = o.import ?? o.node ?? o.default;
  }
  return typeof node === 'string' ? node : undefined;
}
