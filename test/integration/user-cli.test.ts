// `duban user` as an administrator runs it: a child process on a real
// PostgreSQL database, the password from standard input (a script's way; on a
// terminal it is asked without echo), JSON on stdout with --json, exit 2 for
// bad input. What it makes is what the desk signs in with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { duban, dubanEach } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { signIn } from '../../client/web/auth/sign-in.ts';

let db: TestDatabase;
let tmp: string;

beforeAll(async () => {
  db = await createTestDatabase();
  tmp = mkdtempSync(path.join(tmpdir(), 'duban-user-cli-'));
});
afterAll(async () => {
  await db?.drop();
  rmSync(tmp, { recursive: true, force: true });
});

function cli(args: string[], stdin = '') {
  return duban(args, {
    env: {
      DATABASE_URL: db.url,
      TOKEN_SECRET: 'user-cli-test-secret-0123456789abcdef',
      DUBAN_HOME: path.join(tmp, 'home'),
    },
    input: stdin,
  });
}

describe('duban user', () => {
  it('adds an office and an auditor account; the password is hashed with argon2id, never stored', async () => {
    const add = await cli(['user', 'add', '张三', '--role', 'office', '--json'], 'zhangsan-pass-2022\n');
    expect(add.code, add.stderr).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ name: '张三', role: 'office', disabled: false });
    expect((await cli(['user', 'add', 'shenji', '--role', 'auditor'], 'auditor-pass-2022\n')).code).toBe(0);
    const row = await db.prisma.user.findUniqueOrThrow({ where: { name: '张三' } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row.passwordHash).not.toContain('zhangsan-pass-2022');
    expect((await signIn(db.prisma, '张三', 'zhangsan-pass-2022', {})).ok).toBe(true);
    const list = await cli(['user', 'list', '--json']);
    expect(
      JSON.parse(list.stdout).users.map((u: { name: string; role: string }) => [u.name, u.role]),
    ).toEqual([
      ['shenji', 'auditor'],
      ['张三', 'office'],
    ]);
    expect(await db.prisma.auditEvent.count({ where: { action: 'user.add' } })).toBe(2);
  });

  it('refuses bad input with exit 2 and a Chinese message', async () => {
    // exit 2 for the person's input (an account that does not exist included), 1 for a conflict
    const cases: [string[], string, RegExp, number?][] = [
      [['user', 'add', 'li', '--role', 'boss'], 'long-enough-pass\n', /角色「boss」无效/],
      [['user', 'add', 'li', '--role', 'office'], 'short\n', /密码至少 10 个字符/],
      [['user', 'add', 'li', '--role', 'office'], '', /没有读到密码/],
      [['user', 'add', '张三', '--role', 'office'], 'another-pass-2022\n', /已存在/, 1],
      [['user', 'add', 'a b', '--role', 'office'], 'another-pass-2022\n', /用户名「a b」无效/],
      [['user', 'fly', 'x'], '', /未知动作「fly」/],
      [['user', 'passwd', 'nobody'], 'another-pass-2022\n', /没有用户「nobody」/],
    ];
    // every case is refused and changes nothing: two at a time
    const runs = await dubanEach(cases, ([args, stdin]) => cli(args, stdin));
    cases.forEach(([args, , message, code = 2], i) => {
      expect(runs[i]!.stderr, args.join(' ')).toMatch(message);
      expect(runs[i]!.code, args.join(' ')).toBe(code);
    });
  });

  it('a new password ends the sessions; a disabled account cannot sign in', async () => {
    const user = await db.prisma.user.findUniqueOrThrow({ where: { name: 'shenji' } });
    await db.prisma.session.create({
      data: { idHash: 'x'.repeat(64), userId: user.id, expiresAt: new Date(Date.now() + 3600_000) },
    });
    expect((await cli(['user', 'passwd', 'shenji'], 'new-auditor-pass-2022\n')).code).toBe(0);
    expect(await db.prisma.session.count({ where: { userId: user.id } })).toBe(0);
    expect((await signIn(db.prisma, 'shenji', 'auditor-pass-2022', {})).ok).toBe(false);
    expect((await signIn(db.prisma, 'shenji', 'new-auditor-pass-2022', {})).ok).toBe(true);
    expect((await cli(['user', 'disable', 'shenji'])).code).toBe(0);
    const refused = await signIn(db.prisma, 'shenji', 'new-auditor-pass-2022', {});
    expect(refused).toMatchObject({ ok: false, message: expect.stringContaining('已停用') });
    expect((await cli(['user', 'enable', 'shenji'])).code).toBe(0);
    expect((await signIn(db.prisma, 'shenji', 'new-auditor-pass-2022', {})).ok).toBe(true);
  });
});
