#!/usr/bin/env node
// One-off refactoring aid: `node scripts/move-files.mjs old=new …` moves files
// with git mv and rewrites every relative import (static, dynamic, type-only,
// new URL(...)) in the tracked TypeScript/JavaScript files to the new paths.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import path from 'node:path';

const root = execFileSync('git', ['rev-parse', '--show-toplevel']).toString().trim();
process.chdir(root);
const moves = new Map(
  process.argv.slice(2).map((a) => {
    const [from, to] = a.split('=');
    return [path.resolve(from), path.resolve(to)];
  }),
);
const files = execFileSync('git', ['ls-files', '*.ts', '*.js', '*.mjs'])
  .toString()
  .split('\n')
  .filter((f) => f && !f.startsWith('node_modules/'))
  .map((f) => path.resolve(f));

const newPathOf = (abs) => moves.get(abs) ?? abs;
const spec = /((?:from|import)\s*\(?\s*'|new URL\(')(\.{1,2}\/[^']*)'/g;

for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const dirOld = path.dirname(file);
  const dirNew = path.dirname(newPathOf(file));
  let changed = false;
  const out = text.replace(spec, (whole, head, rel) => {
    const target = path.resolve(dirOld, rel);
    const trailing = rel.endsWith('/') ? '/' : '';
    const moved = newPathOf(target);
    let next = path.relative(dirNew, moved) + trailing;
    if (!next.startsWith('.')) next = './' + next;
    if (next === rel) return whole;
    changed = true;
    return `${head}${next}'`;
  });
  if (changed) writeFileSync(file, out);
}
for (const [from, to] of moves) {
  if (!existsSync(from)) throw new Error(`missing ${from}`);
  mkdirSync(path.dirname(to), { recursive: true });
  execFileSync('git', ['mv', from, to]);
}
