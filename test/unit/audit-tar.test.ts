// The audit archive's tar.gz: what the writer makes any tar reads back, and
// the reader names in Chinese what it will not take (it only ever reads into
// memory: nothing is extracted to disk).
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readTarGz, writeTarGz } from '../../client/audit/tar.ts';

const entries = [
  { path: 'manifest.json', data: Buffer.from('{"a":1}\n') },
  { path: 'workflows/0001/timeline.json', data: Buffer.from('["催办：区财政局"]\n'.repeat(100)) },
  { path: 'empty.json', data: Buffer.alloc(0) },
];

describe('audit archive tar.gz', () => {
  it('round-trips, and GNU tar reads what it writes', () => {
    const gz = writeTarGz(entries);
    expect(readTarGz(gz, 'a.tar.gz')).toEqual(entries);
    const dir = mkdtempSync(path.join(tmpdir(), 'duban-tar-'));
    try {
      writeFileSync(path.join(dir, 'a.tar.gz'), gz);
      execFileSync('tar', ['-xzf', 'a.tar.gz'], { cwd: dir });
      expect(readFileSync(path.join(dir, 'workflows/0001/timeline.json'))).toEqual(entries[1]!.data);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names a file that is not gzip, a damaged header, a link, and a bomb', () => {
    expect(() => readTarGz(Buffer.from('hello'), 'x.tar.gz')).toThrow(
      '归档 x.tar.gz 不是有效的 .tar.gz 文件（无法解压）',
    );
    const tar = gunzipSync(writeTarGz(entries));
    const damaged = Buffer.from(tar);
    damaged[10] = 0x41; // inside the first name: the checksum no longer adds up
    expect(() => readTarGz(gzipSync(damaged), 'x.tar.gz')).toThrow(
      '归档 x.tar.gz 已损坏：第 1 个文件的头部无效',
    );
    const link = Buffer.from(tar);
    link[156] = '2'.charCodeAt(0);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : link[i]!;
    link.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
    expect(() => readTarGz(gzipSync(link), 'x.tar.gz')).toThrow(
      '归档 x.tar.gz 中的「manifest.json」不是普通文件',
    );
    const bomb = gzipSync(Buffer.alloc(8 << 20));
    expect(() => readTarGz(bomb, 'b.tar.gz', 1 << 20)).toThrow('归档 b.tar.gz 解压后超过 1 MiB，不予读取');
  });
});
