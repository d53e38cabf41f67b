// Hostile mail (issue 11): raw messages, each with the outcome and the words
// the office reads on /inbox, taken in by ONE intake round (ingestBatch, the
// code every channel uses) on the machine's PostgreSQL; for every one the raw
// message is kept, byte for byte, and nothing is left at 处理中. Reports go to
// a recording route (no Temporal here: the workflow side is the engine's
// tests). Then the catcher: its advertised SIZE enforced while receiving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import iconv from 'iconv-lite';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { freePort } from '../helpers/ports.ts';
import { loadConfig, type Config } from '../../lib/config.ts';
import { UnavailableError } from '../../lib/errors.ts';
import {
  ingestBatch,
  REUSED_ID_NOTE,
  type InboundDeps,
  type InboundOutcome,
} from '../../lib/inbound/ingest.ts';
import { signReplyToken, tokenReference } from '../../lib/mail/tokens.ts';
import { startSmtpCatcher, type SmtpCatcher } from '../../client/up/smtp-catcher.ts';
import { pollOnce } from '../../worker/imap-poller.ts';
import { connectImap, dovecotBinary, startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import type { ReportInput } from '../../workflows/types.ts';

const SECRET = 'h'.repeat(40);
const SET = '2022-hostile';
const WORKFLOW = `duban/${SET}/1`;
const UNIT = '区科技局';
const UNIT_EMAIL = 'kjj@units.test';
const SENT_ID = '<duban.aaaaaaaaaaaaaaaaaaaaaaaa@duban.test>';
const future = Date.now() + 30 * 86_400_000;
const TOKEN = signReplyToken(
  { workflowId: WORKFLOW, unit: UNIT, period: '2022-06', expiresAt: future },
  SECRET,
);
const REF = tokenReference(TOKEN);
const EXPIRED = signReplyToken({ workflowId: WORKFLOW, unit: UNIT, period: '2022-05', expiresAt: 1 }, SECRET);
const FORGED = signReplyToken(
  { workflowId: WORKFLOW, unit: UNIT, period: '2022-04', expiresAt: future },
  'x'.repeat(40),
);
const REPLY_TO = `duban+${REF}@duban.test`;

let seq = 0;
/** A reply as a mail client writes it; every part can be replaced by the case. */
function mail(o: {
  from?: string | null;
  to?: string;
  subject?: string | Buffer;
  id?: string | null;
  headers?: string[];
  body?: string | Buffer;
  contentType?: string;
  date?: string;
}): Buffer {
  const lines: (string | Buffer)[] = [];
  if (o.from !== null) lines.push(`From: ${o.from ?? `科技局 <${UNIT_EMAIL}>`}`);
  lines.push(`To: ${o.to ?? REPLY_TO}`);
  lines.push(
    Buffer.concat([Buffer.from('Subject: '), Buffer.from(o.subject ?? `回复：请报送 [督办-${REF}]`)]),
  );
  if (o.id !== null) lines.push(`Message-ID: ${o.id ?? `<hostile-${++seq}@units.test>`}`);
  lines.push(`Date: ${o.date ?? 'Wed, 15 Jun 2022 10:00:00 +0800'}`, 'MIME-Version: 1.0');
  lines.push(`Content-Type: ${o.contentType ?? 'text/plain; charset=utf-8'}`);
  lines.push(...(o.headers ?? []));
  const head = Buffer.concat(
    lines.flatMap((l) => [Buffer.isBuffer(l) ? l : Buffer.from(l, 'utf8'), Buffer.from('\r\n')]),
  );
  const body = o.body ?? '状态：已完成\r\n进度：100%\r\n已按期完成全部工作。\r\n';
  return Buffer.concat([head, Buffer.from('\r\n'), Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8')]);
}

function dsn(o: {
  from?: string;
  recipient: string;
  quoted?: string;
  diagnostic?: string;
  subject?: string;
}): Buffer {
  return Buffer.from(
    [
      `From: ${o.from ?? 'Mail Delivery System <MAILER-DAEMON@mx.units.test>'}`,
      'To: duban-bounces@duban.test',
      `Subject: ${o.subject ?? 'Undelivered Mail Returned to Sender'}`,
      `Message-ID: <dsn-${++seq}@mx.units.test>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'Delivery failed.',
      '--b',
      'Content-Type: message/delivery-status',
      '',
      `Final-Recipient: rfc822; ${o.recipient}`,
      'Action: failed',
      'Status: 5.1.1',
      `Diagnostic-Code: smtp; ${o.diagnostic ?? '550 5.1.1 User unknown'}`,
      '--b',
      'Content-Type: text/rfc822-headers',
      '',
      o.quoted ?? 'Subject: x',
      '--b--',
      '',
    ].join('\r\n'),
  );
}

function withAttachment(filename: string, size: number): Buffer {
  const content = Buffer.alloc(size, 0x41)
    .toString('base64')
    .replace(/(.{76})/g, '$1\r\n');
  return mail({
    contentType: 'multipart/mixed; boundary="m"',
    body: [
      '--m',
      'Content-Type: text/plain; charset=utf-8',
      '',
      '状态：已完成',
      '--m',
      `Content-Type: application/pdf; name="${filename}"`,
      `Content-Disposition: attachment; filename="${filename}"`,
      'Content-Transfer-Encoding: base64',
      '',
      content,
      '--m--',
      '',
    ].join('\r\n'),
  });
}

interface MailCase {
  name: string;
  raw: Buffer;
  outcome: InboundOutcome['outcome'];
  /** the reason the office reads, or null when there is nothing to say beyond the outcome */
  reason: RegExp | null;
  duplicate?: boolean;
  /** more to check once the round is done */
  then?: (o: InboundOutcome) => Promise<void> | void;
}

const reused = `<reused-${Date.now()}@units.test>`;
const original = mail({ id: reused, body: '状态：推进中\r\n第一封。\r\n' });
const copied = mail({ id: `<copy-${Date.now()}@units.test>` });

let db: TestDatabase;
let config: Config;
const routed: ReportInput[] = [];
const reportOf = (o: InboundOutcome) => routed.find((r) => r.inboundMessageId === o.messageId);
const row = (o: InboundOutcome) => db.prisma.inboundMessage.findUniqueOrThrow({ where: { id: o.id } });

const cases: MailCase[] = [
  // ---- read and reported
  { name: 'a plain reply', raw: mail({}), outcome: 'applied', reason: /报送：完成/ },
  {
    name: 'a raw UTF-8 Subject (SMTPUTF8) whose [督办-…] reference is the only pointer',
    raw: mail({ to: 'duban@duban.test', subject: `回复：关于进展 [督办-${REF}]` }),
    outcome: 'applied',
    reason: /经主题编号识别/,
    then: async (o) => expect((await row(o)).subject).toBe(`回复：关于进展 [督办-${REF}]`),
  },
  {
    name: 'a raw GBK Subject',
    raw: mail({ subject: iconv.encode(`回复：进展 [督办-${REF}]`, 'gbk') }),
    outcome: 'applied',
    reason: /报送/,
    then: async (o) => expect((await row(o)).subject).toBe(`回复：进展 [督办-${REF}]`),
  },
  {
    name: 'a NUL byte in the Subject',
    raw: mail({ subject: `回复：进\u0000展 [督办-${REF}]` }),
    outcome: 'applied',
    reason: /报送/,
    then: async (o) => expect((await row(o)).subject).toBe(`回复：进展 [督办-${REF}]`),
  },
  {
    name: 'NUL bytes in the body',
    raw: mail({ body: '状态：已\u0000完成\r\n进展\u0000正常\r\n' }),
    outcome: 'applied',
    reason: /报送：完成/,
    then: (o) => expect(reportOf(o)!.text).not.toContain('\u0000'),
  },
  {
    name: 'a NUL byte in the sender name',
    raw: mail({ from: `科技\u0000局 <${UNIT_EMAIL}>` }),
    outcome: 'applied',
    reason: /报送/,
  },
  {
    name: 'a NUL byte in the Message-ID: keyed by content instead',
    raw: mail({ id: '<nul\u0000id@units.test>' }),
    outcome: 'applied',
    reason: /报送/,
    then: (o) => expect(o.messageId).toMatch(/^sha256:[0-9a-f]{64}$/),
  },
  {
    name: 'a Message-ID of 5,000 characters: keyed by content',
    raw: mail({ id: `<${'x'.repeat(5000)}@units.test>` }),
    outcome: 'applied',
    reason: /报送/,
    then: (o) => expect(o.messageId).toMatch(/^sha256:/),
  },
  {
    name: 'no Message-ID at all',
    raw: mail({ id: null, body: '状态：推进中\r\n无编号。\r\n' }),
    outcome: 'applied',
    reason: /报送：推进中/,
  },
  { name: 'the first message with a Message-ID', raw: original, outcome: 'applied', reason: /报送：推进中/ },
  {
    name: 'a second, different message with the same Message-ID: kept and taken, not dropped',
    raw: mail({ id: reused, body: '状态：已完成\r\n第二封，编号相同。\r\n' }),
    outcome: 'applied',
    reason: new RegExp(`^${REUSED_ID_NOTE}；已送达任务工作流`),
    then: (o) => {
      expect(o.messageId).toMatch(
        new RegExp(`^${reused.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}#dup-[0-9a-f]{16}$`),
      );
      expect(reportOf(o)!.key).toBe(`email:${o.messageId}`);
    },
  },
  { name: 'a message', raw: copied, outcome: 'applied', reason: /报送/ },
  {
    name: 'the same message again, byte for byte: one row, answered as a copy',
    raw: copied,
    outcome: 'applied',
    reason: /报送/,
    duplicate: true,
  },
  {
    name: 'an attachment over MAIL_MAX_ATTACHMENT_BYTES',
    raw: withAttachment('big.pdf', 3000),
    outcome: 'applied',
    reason: /附件 big\.pdf（3000 字节）超过 2048 字节的上限（MAIL_MAX_ATTACHMENT_BYTES），未保存/,
    then: async (o) =>
      expect(await db.prisma.attachment.count({ where: { inboundMessageId: o.id } })).toBe(0),
  },
  {
    name: 'an attachment under the limit is kept',
    raw: withAttachment('small.pdf', 1000),
    outcome: 'applied',
    reason: /报送/,
    then: async (o) =>
      expect(await db.prisma.attachment.findMany({ where: { inboundMessageId: o.id } })).toMatchObject([
        { filename: 'small.pdf', size: 1000 },
      ]),
  },
  {
    name: 'an attachment named with a path',
    raw: withAttachment('../../etc/passwd', 100),
    outcome: 'applied',
    reason: /报送/,
  },
  {
    name: 'an HTML-only reply with a script',
    raw: mail({
      contentType: 'text/html; charset=utf-8',
      body: '<p>状态：已完成</p><script>alert(1)</script><img src=x onerror=alert(2)>',
    }),
    outcome: 'applied',
    reason: /报送：完成/,
    then: (o) => expect(reportOf(o)!.text).not.toMatch(/alert|<script/),
  },
  {
    name: 'an unknown charset label',
    raw: mail({ contentType: 'text/plain; charset=x-evil-9', body: '状态：已完成\r\n' }),
    outcome: 'applied',
    reason: /报送：完成/,
  },
  {
    name: 'a subject of 3,000 characters',
    raw: mail({ subject: `回复：${'长'.repeat(3000)} [督办-${REF}]` }),
    outcome: 'applied',
    reason: /报送/,
    then: async (o) => expect((await row(o)).subject!.length).toBe(500),
  },
  {
    name: 'a body of one 1 MB line',
    raw: mail({ body: `状态：推进中\r\n${'进'.repeat(350_000)}\r\n` }),
    outcome: 'applied',
    reason: /报送：推进中/,
  },
  {
    name: 'right-to-left override characters in the subject',
    raw: mail({ subject: `回复：\u202egnp.exe [督办-${REF}]` }),
    outcome: 'applied',
    reason: /报送/,
  },
  {
    name: 'a 2,000-line folded header',
    raw: mail({ headers: [`X-Junk: a${'\r\n b'.repeat(2000)}`] }),
    outcome: 'applied',
    reason: /报送/,
  },
  {
    name: 'a far-future Date header',
    raw: mail({ date: 'Fri, 15 Jun 9999 10:00:00 +0800' }),
    outcome: 'applied',
    reason: /报送/,
  },
  {
    name: 'no status written: a narrative report for the office to check',
    raw: mail({ body: '本月推进顺利，详见附件。\r\n' }),
    outcome: 'applied',
    reason: /未写明状态，按“推进中”叙述性报告登记，待督查室核对/,
  },
  // ---- held for the office
  {
    name: 'a sender not registered for the unit',
    raw: mail({ from: 'someone@evil.test' }),
    outcome: 'held',
    reason: /发件地址 someone@evil\.test 未登记为“区科技局”的报送邮箱，已转督查室核实/,
  },
  {
    name: 'no From header',
    raw: mail({ from: null }),
    outcome: 'held',
    reason: /邮件没有发件地址/,
  },
  {
    name: 'a From of two addresses, the first a stranger',
    raw: mail({ from: `evil@evil.test, ${UNIT_EMAIL}` }),
    outcome: 'held',
    reason: /evil@evil\.test 未登记/,
  },
  {
    name: 'a lookalike sender (Cyrillic letters)',
    raw: mail({ from: 'kjj@units.tеst' }),
    outcome: 'held',
    reason: /未登记为“区科技局”的报送邮箱/,
  },
  {
    name: 'no token, reference or quoted id',
    raw: mail({ to: 'duban@duban.test', subject: '进展' }),
    outcome: 'held',
    reason: /邮件中没有回复令牌、主题编号，也没有引用督办系统发出的邮件/,
  },
  // ---- refused
  {
    name: 'a plus-address reference Duban never issued',
    raw: mail({ to: 'duban+aaaaaaaaaaaa@duban.test', subject: '进展' }),
    outcome: 'refused',
    reason: /编号 aaaaaaaaaaaa 不是督办系统发出的（未知引用）/,
  },
  {
    name: 'a subject reference Duban never issued',
    raw: mail({ to: 'duban@duban.test', subject: '回复：[督办-zzzzzzzzzzzz]' }),
    outcome: 'refused',
    reason: /编号 zzzzzzzzzzzz 不是督办系统发出的/,
  },
  {
    name: 'a reference to an expired token',
    raw: mail({ to: `duban+${tokenReference(EXPIRED)}@duban.test`, subject: '进展' }),
    outcome: 'refused',
    reason: /回复令牌过期/,
  },
  {
    name: 'a reference to a token signed with another secret',
    raw: mail({ to: `duban+${tokenReference(FORGED)}@duban.test`, subject: '进展' }),
    outcome: 'refused',
    reason: /回复令牌伪造：签名不符/,
  },
  {
    name: 'a plus-address on another domain is no token',
    raw: mail({ to: `duban+${REF}@evil.test`, subject: '进展' }),
    outcome: 'held',
    reason: /没有回复令牌/,
  },
  // ---- bounces: believed only when they answer a mail Duban sent to that address
  {
    name: 'a forged DSN naming a unit address, quoting nothing of ours',
    raw: dsn({ recipient: UNIT_EMAIL }),
    outcome: 'bounce',
    reason: /未引用督办系统发出的任何邮件.*不予采信；声称投递失败的地址 kjj@units\.test 未标记/,
    then: async () =>
      expect(await db.prisma.addressHealth.findUnique({ where: { address: UNIT_EMAIL } })).toBeNull(),
  },
  {
    name: 'a DSN quoting our mail but naming an address it was not sent to',
    raw: dsn({ recipient: 'jw@units.test', quoted: `Message-ID: ${SENT_ID}` }),
    outcome: 'bounce',
    reason: /并未发给 jw@units\.test，不予采信，未标记任何地址/,
    then: async () =>
      expect(await db.prisma.addressHealth.findUnique({ where: { address: 'jw@units.test' } })).toBeNull(),
  },
  {
    name: 'a "bounce" from postmaster@ with X-Failed-Recipients and no DSN',
    raw: Buffer.from(
      `From: postmaster@evil.test\r\nTo: duban@duban.test\r\nSubject: failure notice\r\nX-Failed-Recipients: ${UNIT_EMAIL}\r\nMessage-ID: <pm-${Date.now()}@evil.test>\r\n\r\nyour mail failed\r\n`,
    ),
    outcome: 'bounce',
    reason: /不予采信/,
  },
  {
    name: 'a DSN with a script in its diagnostic, answering our mail to that address: the code only',
    raw: dsn({
      recipient: 'leader-kjj@units.test',
      quoted: `Message-ID: ${SENT_ID}`,
      diagnostic: '550 5.1.1 <script>alert(1)</script> go to http://evil.test',
    }),
    outcome: 'bounce',
    reason: /^退信：leader-kjj@units\.test 投递失败（状态 5\.1\.1），已标记为故障地址$/,
    then: async () => {
      const health = await db.prisma.addressHealth.findUniqueOrThrow({
        where: { address: 'leader-kjj@units.test' },
      });
      expect(health.failing).toBe(true);
      expect(health.reason).not.toMatch(/script|evil/);
      expect((await db.prisma.sentMail.findUniqueOrThrow({ where: { messageId: SENT_ID } })).status).toBe(
        'bounced',
      );
    },
  },
  // ---- auto-replies
  {
    name: 'Auto-Submitted: auto-replied',
    raw: mail({ headers: ['Auto-Submitted: auto-replied'] }),
    outcome: 'auto-reply',
    reason: /自动回复，不作为报告/,
  },
  {
    name: 'Precedence: bulk',
    raw: mail({ headers: ['Precedence: bulk'] }),
    outcome: 'auto-reply',
    reason: /自动回复/,
  },
  {
    name: 'a 自动回复 subject',
    raw: mail({ subject: `自动回复：[督办-${REF}]` }),
    outcome: 'auto-reply',
    reason: /自动回复/,
  },
  // ---- broken
  {
    name: 'an empty body',
    raw: mail({ body: '' }),
    outcome: 'unparseable',
    reason: /邮件正文为空，没有可登记的进展/,
  },
  {
    name: 'a multipart without its boundary',
    raw: mail({ contentType: 'multipart/mixed', body: '--x\r\n状态：已完成\r\n--x--\r\n' }),
    outcome: 'unparseable',
    reason: /邮件正文为空/,
  },
  {
    name: 'four kilobytes of binary',
    raw: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131) % 256)),
    outcome: 'held',
    reason: /没有回复令牌/,
  },
  {
    name: 'nothing at all (0 bytes)',
    raw: Buffer.alloc(0),
    outcome: 'held',
    reason: /没有回复令牌/,
  },
  {
    name: 'headers without a body',
    raw: Buffer.from(`From: ${UNIT_EMAIL}\r\nTo: ${REPLY_TO}\r\nSubject: x`),
    outcome: 'unparseable',
    reason: /邮件正文为空/,
  },
  {
    name: 'fifty nested multiparts',
    raw: mail({
      contentType: 'multipart/mixed; boundary="b0"',
      body:
        Array.from(
          { length: 50 },
          (_, i) => `--b${i}\r\nContent-Type: multipart/mixed; boundary="b${i + 1}"\r\n\r\n`,
        ).join('') + '--b50\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n状态：已完成\r\n--b50--\r\n',
    }),
    outcome: 'applied',
    reason: /报送：完成/,
  },
  {
    name: 'invalid base64 in the body',
    raw: mail({ headers: ['Content-Transfer-Encoding: base64'], body: '!!!@@@###\r\n' }),
    outcome: 'unparseable',
    reason: /邮件正文为空/,
  },
];

export const MAIL_CASES = cases.length;

let outcomes: InboundOutcome[] = [];

beforeAll(async () => {
  db = await createTestDatabase('duban_hostile_mail');
  config = loadConfig({
    DUBAN_HOME: mkdtempSync(path.join(tmpdir(), 'duban-hostile-mail-')),
    DATABASE_URL: db.url,
    TOKEN_SECRET: SECRET,
    MAIL_MAX_ATTACHMENT_BYTES: '2048',
  });
  await db.prisma.taskSet.create({
    data: { id: SET, name: '测试', year: 2022, sourceFile: 'x', sourceHash: 'x' },
  });
  await db.prisma.unit.create({
    data: {
      taskSetId: SET,
      code: 'kjj',
      name: UNIT,
      emails: [UNIT_EMAIL],
      leaderEmails: ['leader-kjj@units.test'],
    },
  });
  for (const [i, token] of [TOKEN, EXPIRED, FORGED].entries())
    await db.prisma.sentMail.create({
      data: {
        key: `k${i}`,
        messageId: i === 0 ? SENT_ID : `<duban.${String(i).repeat(24)}@duban.test>`,
        kind: 'request',
        workflowId: WORKFLOW,
        toAddrs: [UNIT_EMAIL],
        ccAddrs: ['leader-kjj@units.test'],
        subject: '请报送',
        replyToken: token,
        replyRef: tokenReference(token),
      },
    });
  const deps: InboundDeps = {
    prisma: db.prisma,
    config,
    now: () => Date.now(),
    route: async (_workflowId, report) => void routed.push(report),
    connect: () => Promise.reject(new UnavailableError('测试中没有 Temporal')),
  };
  // one intake round over every case
  outcomes = await ingestBatch(
    deps,
    cases.map((c) => ({ raw: c.raw, source: 'imap' as const })),
  );
}, 120_000);

afterAll(async () => {
  await db?.drop();
});

describe('hostile mail: one intake round, each kept and taken to its outcome', () => {
  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    const o = outcomes[i]!;
    expect(o.outcome).toBe(c.outcome);
    if (c.reason) expect(o.reason).toMatch(c.reason);
    expect(o.duplicate).toBe(c.duplicate ?? false);
    // kept: the raw message, byte for byte, on a row the office's /inbox lists
    const kept = await row(o);
    expect(Buffer.from(kept.raw).equals(c.raw)).toBe(true);
    expect(kept.outcome).toBe(c.outcome);
    await c.then?.(o);
  });

  it('nothing is left at 处理中', async () => {
    expect(await db.prisma.inboundMessage.count({ where: { outcome: 'pending' } })).toBe(0);
  });
});

describe('a message the database will not take is retried, then marked failed, never left at 处理中', () => {
  it('its batch-mate is taken; it is marked failed with the reason, and kept', async () => {
    // a real refusal by the real database: a trigger that rejects one subject
    await db.prisma.$executeRawUnsafe(`
      CREATE FUNCTION hostile_poison() RETURNS trigger AS $$
      BEGIN
        IF NEW.subject LIKE '%POISON%' THEN RAISE EXCEPTION 'poisoned row'; END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await db.prisma.$executeRawUnsafe(
      `CREATE TRIGGER hostile_poison BEFORE UPDATE ON "InboundMessage" FOR EACH ROW EXECUTE FUNCTION hostile_poison()`,
    );
    try {
      const good = mail({ body: '状态：推进中\r\n同批的正常邮件。\r\n' });
      const poison = mail({ subject: `POISON [督办-${REF}]` });
      const [a, b] = await ingestBatch(
        {
          prisma: db.prisma,
          config,
          route: async (_w, report) => void routed.push(report),
        },
        [
          { raw: good, source: 'imap' },
          { raw: poison, source: 'imap' },
        ],
      );
      expect(a).toMatchObject({ outcome: 'applied' });
      expect(b!.outcome).toBe('failed');
      expect(b!.reason).toMatch(
        /^处理失败（已重试 3 次）：数据库拒绝写入（错误码 P\d{4}）；原始邮件已保存，请督查室查看$/,
      );
      const kept = await db.prisma.inboundMessage.findUniqueOrThrow({ where: { id: b!.id } });
      expect(kept.outcome).toBe('failed');
      expect(Buffer.from(kept.raw).equals(poison)).toBe(true);
      expect(await db.prisma.inboundMessage.count({ where: { outcome: 'pending' } })).toBe(0);
    } finally {
      await db.prisma.$executeRawUnsafe(`DROP TRIGGER hostile_poison ON "InboundMessage"`);
      await db.prisma.$executeRawUnsafe(`DROP FUNCTION hostile_poison()`);
    }
  });
});

describe.skipIf('missing' in dovecotBinary())(
  'IMAP: a message over MAIL_MAX_BYTES is never downloaded whole',
  () => {
    let imap: Dovecot;
    beforeAll(async () => {
      imap = await startDovecot();
    });
    afterAll(() => imap?.stop());

    it('its header is kept and refused with the reason; the message stays in the mailbox; the next one is taken', async () => {
      const client = await connectImap(imap);
      const big = mail({
        subject: '=?UTF-8?B?5aSn6YKu5Lu2?=',
        body: `状态：已完成\r\n${'x'.repeat(20_000)}\r\n`,
      });
      const small = mail({ body: '状态：推进中\r\n经 IMAP 收到。\r\n' });
      await client.append('INBOX', big);
      await client.append('INBOX', small);
      const imapConfig = loadConfig({
        DUBAN_HOME: mkdtempSync(path.join(tmpdir(), 'duban-hostile-imap-')),
        DATABASE_URL: db.url,
        TOKEN_SECRET: SECRET,
        IMAP_URL: imap.url,
        MAIL_MAX_BYTES: '8192',
      });
      const result = await pollOnce(imapConfig, {
        prisma: db.prisma,
        config: imapConfig,
        route: async (_w, report) => void routed.push(report),
      });
      expect(result.fetched).toBe(2);
      const head = await db.prisma.inboundMessage.findFirstOrThrow({ where: { subject: '大邮件' } });
      expect(head.outcome).toBe('refused');
      expect(head.reason).toMatch(
        /^邮件有 \d+ 字节，超过 8192 字节的上限（MAIL_MAX_BYTES）：只保存了邮件头，正文未下载，原邮件仍在邮箱中$/,
      );
      expect(head.fromAddr).toBe(UNIT_EMAIL);
      expect(Buffer.from(head.raw).length).toBeLessThan(2048);
      expect(result.outcomes.map((o) => o.outcome)).toContain('applied');
      // both still in the mailbox, both seen
      await client.mailboxOpen('INBOX');
      expect(await client.search({ all: true })).toHaveLength(2);
      expect(await client.search({ seen: false })).toEqual([]);
      await client.logout();
    });
  },
);

describe('the catcher enforces its advertised SIZE while receiving', () => {
  let catcher: SmtpCatcher;
  let home: string;
  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'duban-hostile-catcher-'));
    catcher = await startSmtpCatcher(
      loadConfig({ DUBAN_HOME: home, SMTP_CATCHER_PORT: String(await freePort()), MAIL_MAX_BYTES: '65536' }),
    );
  });
  afterAll(async () => {
    await catcher?.close();
    rmSync(home, { recursive: true, force: true });
  });
  const send = (size: number) =>
    nodemailer
      .createTransport({ host: '127.0.0.1', port: catcher.port, secure: false, ignoreTLS: true })
      .sendMail({ from: 'a@units.test', to: 'duban@duban.test', subject: 's', text: 'x'.repeat(size) });

  it('a mail under MAIL_MAX_BYTES is kept', async () => {
    await send(10_000);
    expect(readdirSync(catcher.dir).filter((n) => n.endsWith('.eml'))).toHaveLength(1);
  });

  it('a mail over MAIL_MAX_BYTES is refused with 552 and not kept', async () => {
    const err = (await send(200_000).catch((e: unknown) => e)) as { responseCode?: number };
    expect(err.responseCode).toBe(552);
    expect(readdirSync(catcher.dir).filter((n) => n.endsWith('.eml'))).toHaveLength(1);
  });

  it('the server still serves after the refusal', async () => {
    await send(1_000);
    expect(readdirSync(catcher.dir).filter((n) => n.endsWith('.eml'))).toHaveLength(2);
  });
});
