// `duban inbox parse|ingest` as a person or a script runs them: the real CLI
// in a child process, the DESIGN.md --json contract, exit codes, and ingest
// into a real PostgreSQL database — with no Temporal reachable, so a reply
// that must reach a workflow is kept as pending and finished by a later run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { duban } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { ingestRaw } from '../../lib/inbound/ingest.ts';
import {
  FIXTURE_SECRET,
  FIXTURE_UNIT,
  FIXTURE_UNIT_EMAIL,
  REQUEST_MESSAGE_ID,
  VALID_REF,
  VALID_TOKEN,
} from '../fixtures/mail/make-fixtures.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/mail/${name}`, import.meta.url));

function run(args: string[], env: Record<string, string> = {}) {
  return duban(args, { env, timeoutMs: 60_000 });
}

// reads of one file each, nothing shared: at once (two at a time, vitest.config.ts)
describe.concurrent('duban inbox parse', () => {
  it('prints the DESIGN.md contract keys for a Foxmail reply', async () => {
    const r = await run(['inbox', 'parse', fixture('qq-foxmail-gb2312.eml'), '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    for (const key of [
      'messageId',
      'from',
      'token',
      'status',
      'percent',
      'text',
      'attachments',
      'autoReply',
      'bounce',
    ])
      expect(json).toHaveProperty(key);
    expect(json).toMatchObject({
      messageId: '<tencent_4F1A2B3C@qq.com>',
      from: 'fgw@cq-spb.test',
      status: '推进中',
      percent: 60,
      autoReply: false,
      bounce: false,
      attachments: [],
    });
    expect(json.text).not.toContain('原始邮件');
  });
  it('says in Chinese what it read, without --json', async () => {
    const r = await run(['inbox', 'parse', fixture('narrative.eml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('未写明');
  });
  it('an unknown option is bad input (exit 2) with the usage', async () => {
    const r = await run(['inbox', 'parse', '--verbose', fixture('narrative.eml'), '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'BadInput' });
    expect(r.stderr).toContain('用法：duban inbox parse');
  });
  it('exits 2 for a missing file', async () => {
    const r = await run(['inbox', 'parse', '/nonexistent.eml', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('文件不存在');
  });
});

describe('duban inbox ingest', () => {
  let db: TestDatabase;
  let home: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    db = await createTestDatabase();
    home = mkdtempSync(path.join(tmpdir(), 'duban-cli-mail-'));
    // nothing listens on port 1: Temporal is unreachable on purpose
    env = {
      DUBAN_HOME: home,
      DATABASE_URL: db.url,
      TOKEN_SECRET: FIXTURE_SECRET,
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    };
    await db.prisma.taskSet.create({
      data: { id: 'fixture-2022', name: 't', year: 2022, sourceFile: 'x', sourceHash: 'x' },
    });
    await db.prisma.unit.create({
      data: { taskSetId: 'fixture-2022', code: 'fgw', name: '区发展改革委', emails: ['fgw@cq-spb.test'] },
    });
    await db.prisma.sentMail.create({
      data: {
        key: 'duban/fixture-2022/9/request',
        messageId: REQUEST_MESSAGE_ID,
        kind: 'request',
        toAddrs: [],
        ccAddrs: [],
        subject: 's',
        replyToken: VALID_TOKEN,
        replyRef: VALID_REF,
      },
    });
  });
  afterAll(async () => {
    await db.drop();
    rmSync(home, { recursive: true, force: true });
  });

  it('records each file with its outcome; a reply that needs Temporal stays pending (exit 1)', async () => {
    const r = await run(
      [
        'inbox',
        'ingest',
        fixture('autoreply-header.eml'),
        fixture('bounce-dsn.eml'),
        fixture('forged-token.eml'),
        fixture('expired-token.eml'),
        fixture('apple-iphone.eml'),
        '--json',
      ],
      env,
    );
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.results.map((x: { outcome: string }) => x.outcome)).toEqual([
      'auto-reply',
      'bounce',
      'refused',
      'refused',
      'pending',
    ]);
    expect(json.counts).toEqual({ 'auto-reply': 1, bounce: 1, refused: 2, pending: 1 });
    expect(r.stderr).toContain('无法连接 Temporal');
    expect(await db.prisma.inboundMessage.count()).toBe(5);
  }, 90_000);

  it('a second run does not process the finished ones again', async () => {
    const r = await run(
      ['inbox', 'ingest', fixture('autoreply-header.eml'), fixture('bounce-dsn.eml'), '--json'],
      env,
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).results.map((x: { duplicate: boolean }) => x.duplicate)).toEqual([
      true,
      true,
    ]);
    expect(await db.prisma.inboundMessage.count()).toBe(5);
  }, 90_000);
});

// none of these changes anything (each asserts so): at once, so the one that
// waits out the 5 s Temporal connect timeout does not hold up the others
describe.concurrent('duban inbox apply', () => {
  let db: TestDatabase;
  let home: string;
  let env: Record<string, string>;
  let heldId: number;
  let autoReplyId: number;
  beforeAll(async () => {
    db = await createTestDatabase();
    home = mkdtempSync(path.join(tmpdir(), 'duban-cli-apply-'));
    // nothing listens on port 1: Temporal is unreachable on purpose
    env = {
      DUBAN_HOME: home,
      DATABASE_URL: db.url,
      TOKEN_SECRET: FIXTURE_SECRET,
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    };
    await db.prisma.taskSet.create({
      data: { id: 'fixture-2022', name: 't', year: 2022, sourceFile: 'x', sourceHash: 'x' },
    });
    await db.prisma.unit.create({
      data: { taskSetId: 'fixture-2022', code: 'fgw', name: FIXTURE_UNIT, emails: [FIXTURE_UNIT_EMAIL] },
    });
    await db.prisma.sentMail.create({
      data: {
        key: 'duban/fixture-2022/9/request',
        messageId: REQUEST_MESSAGE_ID,
        kind: 'request',
        toAddrs: [],
        ccAddrs: [],
        subject: 's',
        replyToken: VALID_TOKEN,
        replyRef: VALID_REF,
      },
    });
    // the rows as the pipeline leaves them; neither outcome needs Temporal
    const deps = {
      prisma: db.prisma,
      config: {
        tokens: { secret: FIXTURE_SECRET, ttlDays: 60 },
        mail: {
          replyInbox: 'duban',
          replyDomain: 'duban.test',
          from: '',
          bounceAddress: '',
          officeEmail: '',
        },
        imap: { pollSeconds: 60 },
      },
    };
    const held = await ingestRaw(deps, readFileSync(fixture('unknown-sender.eml')), 'file');
    expect(held.outcome).toBe('held');
    heldId = held.id;
    const autoReply = await ingestRaw(deps, readFileSync(fixture('autoreply-header.eml')), 'file');
    expect(autoReply.outcome).toBe('auto-reply');
    autoReplyId = autoReply.id;
  });
  afterAll(async () => {
    await db.drop();
    rmSync(home, { recursive: true, force: true });
  });

  it('an id that names no message is bad input (exit 2), named in Chinese', async () => {
    const r = await run(['inbox', 'apply', '99999999', '--by', '张三', '--json'], env);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'BadInput', error: '没有编号为 99999999 的收件' });
    expect(r.stderr).toContain('错误：没有编号为 99999999 的收件');
  }, 60_000);

  it('a message that is not held is a conflict (exit 1); nothing changes', async () => {
    const r = await run(['inbox', 'apply', String(autoReplyId), '--by', '张三', '--json'], env);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      kind: 'Conflict',
      error: expect.stringContaining('只有待核实的邮件可以由督查室放行'),
    });
    expect((await db.prisma.inboundMessage.findUniqueOrThrow({ where: { id: autoReplyId } })).outcome).toBe(
      'auto-reply',
    );
  }, 60_000);

  it('a held message with Temporal unreachable: unavailable (exit 1), still held', async () => {
    const r = await run(['inbox', 'apply', String(heldId), '--by', '张三', '--json'], env);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'Unavailable' });
    expect(r.stderr).toContain('失败：无法连接 Temporal');
    expect(r.stderr).not.toContain('Failed to connect');
    expect((await db.prisma.inboundMessage.findUniqueOrThrow({ where: { id: heldId } })).outcome).toBe(
      'held',
    );
    expect(await db.prisma.auditEvent.count()).toBe(0);
  }, 60_000);

  it('an unknown option is bad input (exit 2), before anything is looked up', async () => {
    const r = await run(['inbox', 'apply', String(heldId), '--by', '张三', '--force', '--json'], env);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'BadInput' });
    expect(r.stderr).toContain('用法：duban inbox parse');
  }, 60_000);
});
