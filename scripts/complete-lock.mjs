#!/usr/bin/env node
// Completes package-lock.json with the other platforms' optional packages
// (@swc/core-darwin-arm64, @rollup/rollup-win32-x64-msvc, …) that a lock
// written on this machine leaves out: the registry mirror here answers 404
// for them, so npm drops them silently, and `npm ci` elsewhere (the Docker
// image) then refuses the lock as out of sync. Each missing package gets the
// entry npm would have written — its version as its parent pins it, optional,
// and the os / cpu / libc its name states — without an integrity hash (the
// mirror cannot give one; npm fetches it by name and version where it is
// installed). Run after anything rewrites the lock:  node scripts/complete-lock.mjs [<lock file>]
// test/unit/deployment-files.test.ts fails while an entry is missing.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { URL, fileURLToPath } from 'node:url';

const file = process.argv[2]
  ? path.resolve(process.argv[2])
  : fileURLToPath(new URL('../package-lock.json', import.meta.url));
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;

const PLATFORM =
  /-(darwin|linux|win32|android|freebsd|openbsd|openharmony|sunos|aix|netbsd)-(arm64|x64|arm|ia32|ppc64|s390x|riscv64|loong64|mips64el)(?:-(gnu|musl|gnueabihf|musleabihf|msvc|eabi))?$/;

/** Where node would find `name` from the package at `path` (its own node_modules, then upwards). */
function resolved(path, name) {
  let base = path;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    if (resolved(path, name)) continue;
    const platform = PLATFORM.exec(name);
    if (!platform || !/^\d+\.\d+\.\d+/.test(spec)) {
      throw new Error(
        `${path} 的可选依赖 ${name}@${spec} 不在锁文件中，且无法从名称判断其平台：请在能访问完整 npm 源的机器上重新生成锁文件`,
      );
    }
    const [, os, cpu, abi] = platform;
    // a dev-only parent's optional packages are dev-only too, as npm marks them
    const libc =
      abi === 'musl' || abi === 'musleabihf' ? ['musl'] : os === 'linux' && abi ? ['glibc'] : undefined;
    // the keys in npm's order
    const stub = {
      version: spec,
      cpu: [cpu],
      ...(entry.dev ? { dev: true } : {}),
      ...(libc ? { libc } : {}),
      optional: true,
      os: [os],
    };
    // hoisted beside the parent, as npm places them
    const at = path.includes('/node_modules/')
      ? `${path.slice(0, path.lastIndexOf('/node_modules/'))}/node_modules/${name}`
      : `node_modules/${name}`;
    packages[at] = stub;
    added++;
  }
}
if (added) {
  // in npm's own order (it sorts the paths with localeCompare, 'en')
  lock.packages = Object.fromEntries(
    Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b, 'en'))),
  );
  writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
}
process.stderr.write(`package-lock.json：补全 ${added} 个其他平台的可选依赖\n`);
