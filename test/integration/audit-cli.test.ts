// `duban audit` as a process, against real histories (time-skipping server,
// the real workflow and activities, PostgreSQL): verify names each planted
// tamper in Chinese — a verdict changed, a report deleted, an escalation
// removed, a date moved, an audit row edited (with the triggers switched off,
// as only a superuser can); export writes a .tar.gz that any tar opens and
// that replay --archive checks with Temporal unreachable, naming an altered
// file; every use of `duban audit` is itself on the audit record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duban } from '../helpers/cli.ts';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { answerEveryRequest, createHarness, seedTaskSet, type Harness } from '../workflow/harness.ts';
import { readTarGz, writeTarGz } from '../../client/audit/tar.ts';

let h: Harness;
let setId: string;
let onTime: string;
let late: string;
let home: string;
let env: Record<string, string>;

function cli(args: string[], over: Record<string, string> = {}) {
  return duban(args, { cwd: home, env: { ...env, ...over } });
}

const ACTOR = `duban audit（${userInfo().username}）`;

beforeAll(async () => {
  h = await createHarness();
  setId = await seedTaskSet(h.db.prisma, {
    units: [{ name: '区交通局' }, { name: '区财政局' }],
    tasks: [
      { seq: '1', deadline: '2022-03-31', lead: ['区交通局'] },
      { seq: '2', deadline: '2022-03-31', lead: ['区财政局'] },
    ],
  });
  [onTime, late] = (await h.start(setId)) as [string, string];
  // 区交通局 answers every request and closes 完成; 区财政局 never answers: 催办 … 督办, 未完成
  await answerEveryRequest(h, onTime, '区交通局', { status: '完成', percent: 100 });
  await h.env.client.workflow.getHandle(onTime).result();
  await h.env.client.workflow.getHandle(late).result();
  home = mkdtempSync(path.join(tmpdir(), 'duban-audit-cli-'));
  env = {
    DUBAN_HOME: home,
    DATABASE_URL: h.db.url,
    TEMPORAL_ADDRESS: h.env.address,
    TOKEN_SECRET: 'x'.repeat(40),
  };
}, 300_000);

afterAll(async () => {
  await h?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** `duban audit verify <set>`'s lines that name a discrepancy */
async function verifyLines(): Promise<{ code: number; lines: string[]; stdout: string }> {
  const r = await cli(['audit', 'verify', setId]);
  return { code: r.code, stdout: r.stdout, lines: r.stdout.split('\n').filter((l) => l.includes('✘')) };
}

describe('duban audit verify', () => {
  it('finds nothing wrong in an untouched year, and records its own use', async () => {
    const r = await verifyLines();
    expect(r.lines).toEqual([]);
    expect(r.stdout).toContain(`任务集 ${setId}：2 项，核对 2 项，一致 2 项`);
    expect(r.stdout).toMatch(/操作记录：\d+ 条，哈希链完好/);
    expect(r.stdout).toContain('数据库与历史一致。');
    expect(r.code).toBe(0);
    expect(
      await h.db.prisma.auditEvent.findFirst({ where: { action: 'audit.verify' }, orderBy: { id: 'desc' } }),
    ).toMatchObject({ actor: ACTOR, taskSetId: setId });
  }, 120_000);

  it('names a verdict changed', async () => {
    const task = await h.db.prisma.task.findUniqueOrThrow({
      where: { workflowId: late },
      include: { verdict: true },
    });
    expect(task.verdict?.final).toBe('未完成');
    await h.db.prisma.verdict.update({ where: { taskId: task.id }, data: { final: '完成' } });
    try {
      const r = await verifyLines();
      expect(r.lines).toEqual([
        `  ✘ 第 2 项（${late}）评定结果不一致：历史 "未完成"，数据库 "完成"`,
        expect.stringContaining('工作流结果与数据库评定不一致'),
      ]);
      expect(r.code).toBe(1);
    } finally {
      await h.db.prisma.verdict.update({ where: { taskId: task.id }, data: { final: '未完成' } });
    }
  }, 120_000);

  it('names a report deleted', async () => {
    const task = await h.db.prisma.task.findUniqueOrThrow({ where: { workflowId: onTime } });
    const row = await h.db.prisma.report.findFirstOrThrow({ where: { taskId: task.id, period: '2022-02' } });
    await h.db.prisma.report.delete({ where: { id: row.id } });
    try {
      const r = await verifyLines();
      expect(r.lines).toEqual([
        `  ✘ 第 1 项（${onTime}）报告 ${row.key} 在数据库中缺失：历史 {"unit":"区交通局","period":"2022-02","accepted":true}，数据库 null`,
      ]);
      expect(r.code).toBe(1);
    } finally {
      await h.db.prisma.report.create({ data: row });
    }
  }, 120_000);

  it('names an escalation removed', async () => {
    const task = await h.db.prisma.task.findUniqueOrThrow({ where: { workflowId: late } });
    const esc = await h.db.prisma.escalation.findFirstOrThrow({
      where: { taskId: task.id, level: 'escalation' },
    });
    await h.db.prisma.escalation.delete({ where: { id: esc.id } });
    try {
      const r = await verifyLines();
      expect(r.lines).toEqual([
        `  ✘ 第 2 项（${late}）催办/督办记录在数据库中缺失：历史 "${esc.key}"，数据库 null`,
      ]);
      expect(r.code).toBe(1);
    } finally {
      await h.db.prisma.escalation.create({ data: esc });
    }
  }, 120_000);

  it('names a date moved', async () => {
    const task = await h.db.prisma.task.findUniqueOrThrow({ where: { workflowId: onTime } });
    const row = await h.db.prisma.report.findFirstOrThrow({ where: { taskId: task.id, period: '2022-01' } });
    const china = (d: Date) =>
      new Date(d.getTime() + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
    const moved = new Date(row.receivedAt.getTime() - 3 * 86_400_000);
    await h.db.prisma.report.update({ where: { id: row.id }, data: { receivedAt: moved } });
    try {
      const r = await verifyLines();
      expect(r.lines).toEqual([
        `  ✘ 第 1 项（${onTime}）报告 ${row.key}（区交通局，2022-01）收到时间不一致：历史 "${china(row.receivedAt)}"，数据库 "${china(moved)}"`,
      ]);
      expect(r.code).toBe(1);
    } finally {
      await h.db.prisma.report.update({ where: { id: row.id }, data: { receivedAt: row.receivedAt } });
    }
  }, 120_000);

  it("names a verdict's date and a deadline moved", async () => {
    const task = await h.db.prisma.task.findUniqueOrThrow({
      where: { workflowId: late },
      include: { verdict: true },
    });
    const decidedAt = task.verdict!.decidedAt;
    const china = (d: Date) =>
      new Date(d.getTime() + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
    const earlier = new Date(decidedAt.getTime() - 86_400_000);
    await h.db.prisma.verdict.update({ where: { taskId: task.id }, data: { decidedAt: earlier } });
    await h.db.prisma.task.update({
      where: { id: task.id },
      data: { deadline: new Date('2022-06-30T00:00:00Z') },
    });
    try {
      const r = await verifyLines();
      expect(r.lines).toEqual([
        `  ✘ 第 2 项（${late}）完成时限不一致：历史 "2022-03-31"，数据库 "2022-06-30"`,
        `  ✘ 第 2 项（${late}）评定时间不一致：历史 "${china(decidedAt)}"，数据库 "${china(earlier)}"`,
      ]);
      expect(r.code).toBe(1);
    } finally {
      await h.db.prisma.verdict.update({ where: { taskId: task.id }, data: { decidedAt } });
      await h.db.prisma.task.update({ where: { id: task.id }, data: { deadline: task.deadline } });
    }
  }, 120_000);

  it('names an audit row edited with the triggers switched off', async () => {
    const row = await h.db.prisma.auditEvent.findFirstOrThrow({
      where: { action: 'audit.verify' },
      orderBy: { id: 'asc' },
    });
    // an ordinary UPDATE is refused by the database
    await expect(
      h.db.sql.exec(`UPDATE "AuditEvent" SET "actor" = '某人' WHERE "id" = ${row.id}`),
    ).rejects.toThrow(/append-only/);
    const edit = (actor: string) =>
      h.db.sql.exec(
        `BEGIN; ALTER TABLE "AuditEvent" DISABLE TRIGGER USER; UPDATE "AuditEvent" SET "actor" = '${actor}' WHERE "id" = ${row.id}; ALTER TABLE "AuditEvent" ENABLE TRIGGER USER; COMMIT;`,
      );
    await edit('某人');
    try {
      const r = await verifyLines();
      expect(r.lines).toEqual([`  ✘ 操作记录 #${row.id}（某人，audit.verify）的内容被改动（哈希不符）`]);
      expect(r.stdout).toContain('哈希链断裂 1 处');
      expect(r.code).toBe(1);
    } finally {
      await edit(row.actor);
    }
  }, 120_000);
});

describe('duban audit export and replay --archive', () => {
  let file: string;

  it('exports a task set that tar opens, and records it', async () => {
    file = path.join(home, 'year.tar.gz');
    const r = await cli(['audit', 'export', setId, '--out', file]);
    expect(r.stderr).not.toMatch(/Error|at /);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`已写入 ${file}：2 个工作流`);
    expect(r.stdout).toContain('导出时核对：数据库与历史一致，操作记录哈希链完好。');
    const listed = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).split('\n');
    expect(listed).toEqual(
      expect.arrayContaining([
        'manifest.json',
        'verify.json',
        'audit-chain.json',
        'workflows/0001/workflow.json',
        'workflows/0001/run-1.history.json',
        'workflows/0001/timeline.json',
        'workflows/0001/database.json',
        'workflows/0002/run-1.history.json',
      ]),
    );
    const entries = new Map(
      readTarGz(readFileSync(file), file).map((e) => [e.path, e.data.toString('utf8')]),
    );
    const db = JSON.parse(entries.get('workflows/0002/database.json')!) as {
      task: { verdict: { final: string } };
    };
    expect(db.task.verdict.final).toBe('未完成');
    expect(entries.get('workflows/0002/timeline.json')).toContain('督办：区财政局');
    expect(
      await h.db.prisma.auditEvent.findFirst({ where: { action: 'audit.export' }, orderBy: { id: 'desc' } }),
    ).toMatchObject({ actor: ACTOR, taskSetId: setId, details: { out: file } });
  }, 120_000);

  it('checks the archive offline: every sum, then every history replayed', async () => {
    // nothing listens on port 1: Temporal is out of reach
    const r = await cli(['audit', 'replay', '--archive', file], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(r.stdout).toMatch(/\d+ 个文件与清单一致。/);
    expect(r.stdout).toContain('重放 2 段历史，全部与当前代码一致。');
    expect(r.code).toBe(0);
    expect(
      await h.db.prisma.auditEvent.findFirst({ where: { action: 'audit.replay' }, orderBy: { id: 'desc' } }),
    ).toMatchObject({ actor: ACTOR, details: { archive: file } });
  }, 120_000);

  it('names an altered database file and an altered history', async () => {
    const entries = readTarGz(readFileSync(file), file).map((e) => {
      const text = e.data.toString('utf8');
      if (e.path === 'workflows/0002/database.json')
        return { ...e, data: Buffer.from(text.replace('"final": "未完成"', '"final": "完成"')) };
      if (e.path === 'workflows/0001/run-1.history.json')
        return { ...e, data: Buffer.from(text.replaceAll('"applyEffects"', '"somethingElse"')) };
      return e;
    });
    const altered = path.join(home, 'altered.tar.gz');
    writeFileSync(altered, writeTarGz(entries));
    const r = await cli(['audit', 'replay', '--archive', altered], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    const lines = r.stdout.split('\n').filter((l) => l.includes('✘'));
    expect(lines).toEqual([
      expect.stringMatching(/^ {2}✘ workflows\/0001\/run-1\.history\.json：内容已被改动（SHA-256 与清单不符/),
      expect.stringMatching(/^ {2}✘ workflows\/0002\/database\.json：内容已被改动（SHA-256 与清单不符/),
      expect.stringContaining(`✘ ${onTime}（`),
    ]);
    expect(r.code).toBe(1);
  }, 120_000);

  it('refuses what is not an archive, in Chinese', async () => {
    const bogus = path.join(home, 'bogus.tar.gz');
    writeFileSync(bogus, 'not gzip');
    const r = await cli(['audit', 'replay', '--archive', bogus], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(r.stderr).toContain(`错误：归档 ${bogus} 不是有效的 .tar.gz 文件（无法解压）`);
    expect(r.code).toBe(2);
    const missing = await cli(['audit', 'export', setId, '--out', path.join(home, 'no/such/x.tar.gz')]);
    expect(missing.stderr).toContain(`错误：输出目录 ${path.join(home, 'no/such')} 不存在`);
    expect(missing.code).toBe(2);
  }, 120_000);

  it('records a timeline read', async () => {
    const r = await cli(['audit', 'timeline', late]);
    expect(r.stdout).toContain('督办：区财政局');
    expect(r.code).toBe(0);
    expect(
      await h.db.prisma.auditEvent.findFirst({
        where: { action: 'audit.timeline' },
        orderBy: { id: 'desc' },
      }),
    ).toMatchObject({ actor: ACTOR, workflowId: late });
  }, 120_000);
});
