// A minimal POSIX ustar writer and reader for audit archives (.tar.gz): files
// only, ASCII paths under 100 bytes, everything in memory. Any `tar -xzf`
// opens what this writes; the reader accepts only what the writer makes and
// names anything else (an auditor's archive may have been handled by others).
import { gunzipSync, gzipSync } from 'node:zlib';
import { BadInputError } from '../../lib/errors.ts';

export interface TarEntry {
  path: string;
  data: Buffer;
}

const BLOCK = 512;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(path: string, size: number, mtime: number): Buffer {
  if (!/^[\x21-\x7e]{1,99}$/.test(path)) throw new Error(`tar path not plain ASCII under 100 bytes: ${path}`);
  const h = Buffer.alloc(BLOCK, 0);
  h.write(path, 0, 'ascii');
  h.write(octal(0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(Math.floor(mtime / 1000), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('duban', 265, 'ascii');
  h.write('duban', 297, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

export function writeTarGz(entries: TarEntry[], mtime = Date.now()): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(header(e.path, e.data.length, mtime), e.data);
    const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return gzipSync(Buffer.concat(parts), { level: 9 });
}

/** Reads what writeTarGz wrote; `name` is the file, for messages. */
export function readTarGz(gz: Buffer, name: string, maxBytes = 1 << 30): TarEntry[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(gz, { maxOutputLength: maxBytes });
  } catch (err) {
    const tooBig = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    throw new BadInputError(
      tooBig
        ? `归档 ${name} 解压后超过 ${maxBytes >> 20} MiB，不予读取`
        : `归档 ${name} 不是有效的 .tar.gz 文件（无法解压）`,
      { file: name },
    );
  }
  const entries: TarEntry[] = [];
  let at = 0;
  while (at + BLOCK <= tar.length) {
    const h = tar.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) break;
    const path = h.subarray(0, 100).toString('ascii').replace(/\0.*$/s, '');
    const size = parseInt(h.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim() || 'x', 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    const stored = parseInt(h.subarray(148, 156).toString('ascii').replace(/\0.*$/s, '').trim() || 'x', 8);
    const type = String.fromCharCode(h[156]!);
    if (!Number.isFinite(size) || stored !== sum || at + BLOCK + size > tar.length)
      throw new BadInputError(`归档 ${name} 已损坏：第 ${entries.length + 1} 个文件的头部无效`, {
        file: name,
      });
    if (type !== '0' && type !== '\0')
      throw new BadInputError(`归档 ${name} 中的「${path}」不是普通文件，审计归档只含普通文件`, {
        file: name,
        path,
      });
    entries.push({ path, data: Buffer.from(tar.subarray(at + BLOCK, at + BLOCK + size)) });
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}
