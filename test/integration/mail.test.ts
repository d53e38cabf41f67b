// Mail end to end on real servers: PostgreSQL, a real Temporal dev server
// with a stand-in task workflow that takes reportSignal, a real SMTP server
// (smtp-server) receiving the requests, and Debian's dovecot serving the
// replies over IMAP. The replies are built from the request as it arrived,
// the way a unit's mail client answers it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import iconv from 'iconv-lite';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { localDevEnv } from '../helpers/temporal.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { connectImap, dovecotBinary, startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { loadConfig, type Config } from '../../lib/config.ts';
import { createTransport } from '../../lib/mail/transport.ts';
import { mailDeps, messageIdFor, sendOnce, threadHeaders, type MailDeps } from '../../lib/mail/send.ts';
import { renderMail } from '../../activities/mail/templates.ts';
import { replyFields, signReplyToken } from '../../lib/mail/tokens.ts';
import { ingestRaw, type InboundDeps } from '../../lib/inbound/ingest.ts';
import { pollOnce, startImapPoller } from '../../worker/imap-poller.ts';
import { startWebServer, type WebServer } from '../../client/web/server.ts';
import { addUser } from '../../client/web/auth/accounts.ts';
import { WebSession } from '../helpers/web.ts';
import { reportsQuery } from '../fixtures/mail/report-sink-workflow.ts';
import {
  FIXTURE_SECRET,
  FIXTURE_UNIT,
  FIXTURE_UNIT_EMAIL,
  REQUEST_MESSAGE_ID,
  VALID_REF,
  VALID_TOKEN,
} from '../fixtures/mail/make-fixtures.ts';
import type { ReportInput } from '../../workflows/types.ts';

const dovecot = dovecotBinary();
if ('missing' in dovecot) console.warn(`跳过：${dovecot.missing}`);
const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../fixtures/mail/${name}`, import.meta.url)));
const TASK_SET = 'fixture-2022';
const TASK_QUEUE = 'mail-test';

let db: TestDatabase;
let env: TestWorkflowEnvironment;
let worker: Worker;
let workerRun: Promise<void>;
let sink: SmtpSink;
let imap: Dovecot;
let config: Config;
let home: string;
let deps: InboundDeps;

async function startSinkWorkflow(seq: string) {
  await env.client.workflow.start('reportSink', {
    taskQueue: TASK_QUEUE,
    workflowId: `duban/${TASK_SET}/${seq}`,
    args: [[FIXTURE_UNIT]],
  });
}

/** The reports that reached the workflow, once `count` have (signals are applied asynchronously). */
async function reportsOf(seq: string, count: number): Promise<ReportInput[]> {
  const handle = env.client.workflow.getHandle(`duban/${TASK_SET}/${seq}`);
  const until = Date.now() + 15_000;
  for (;;) {
    const reports = await handle.query(reportsQuery);
    if (reports.length >= count || Date.now() > until) {
      // and nothing more arrives after a moment: a duplicate would show here
      await new Promise((r) => setTimeout(r, 500));
      return handle.query(reportsQuery);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf('missing' in dovecot)('mail on real servers', () => {
  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'duban-mail-'));
    [db, env, sink, imap] = await Promise.all([
      createTestDatabase(),
      localDevEnv(),
      startSmtpSink(),
      startDovecot(),
    ]);
    config = loadConfig({
      DUBAN_HOME: home,
      DATABASE_URL: db.url,
      SMTP_URL: sink.url,
      IMAP_URL: imap.url,
      IMAP_POLL_SECONDS: '3600',
      MAIL_SINCE: '2022-06-01',
      TOKEN_SECRET: FIXTURE_SECRET,
      REPLY_INBOX: 'duban',
      REPLY_DOMAIN: 'duban.test',
      PUBLIC_URL: 'https://duban.example.test',
    });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowsPath: fileURLToPath(new URL('../fixtures/mail/report-sink-workflow.ts', import.meta.url)),
    });
    workerRun = worker.run();
    deps = { prisma: db.prisma, client: env.client, config };

    await db.prisma.taskSet.create({
      data: { id: TASK_SET, name: '测试任务集', year: 2022, sourceFile: 'fixture', sourceHash: 'x' },
    });
    await db.prisma.unit.create({
      data: {
        taskSetId: TASK_SET,
        code: 'fgw',
        name: FIXTURE_UNIT,
        emails: [FIXTURE_UNIT_EMAIL],
        leaderEmails: ['leader@cq-spb.test'],
      },
    });
    await db.prisma.unit.create({
      data: { taskSetId: TASK_SET, code: 'old', name: '区旧单位', emails: ['old-fgw@cq-spb.test'] },
    });
    // the request the fixtures answer, as sendOnce would have recorded it
    await db.prisma.sentMail.create({
      data: {
        key: `duban/${TASK_SET}/9/request/2022-06/${FIXTURE_UNIT}`,
        messageId: REQUEST_MESSAGE_ID,
        kind: 'request',
        workflowId: `duban/${TASK_SET}/9`,
        toAddrs: [FIXTURE_UNIT_EMAIL],
        // the old address the bounce fixture names was copied on it
        ccAddrs: ['old-fgw@cq-spb.test'],
        subject: '请报送',
        replyToken: VALID_TOKEN,
        replyRef: VALID_REF,
      },
    });
    await startSinkWorkflow('9');
  });

  afterAll(async () => {
    worker?.shutdown();
    await workerRun?.catch(() => undefined);
    await Promise.allSettled([env?.teardown(), sink?.close(), imap?.stop(), db?.drop()]);
    rmSync(home, { recursive: true, force: true });
  });

  describe('the inbound pipeline on the hand-written fixtures', () => {
    const expected: [string, string, RegExp | null][] = [
      ['coremail-qp.eml', 'applied', /收件地址/],
      ['qq-foxmail-gb2312.eml', 'applied', /推进中 60%/],
      ['attachments.eml', 'applied', null],
      ['narrative.eml', 'applied', /待督查室核对/],
      ['subject-ref-only.eml', 'applied', /主题编号/],
      ['in-reply-to-only.eml', 'applied', /In-Reply-To/],
      ['no-message-id.eml', 'applied', null],
      ['forged-token.eml', 'refused', /伪造/],
      ['expired-token.eml', 'refused', /过期/],
      ['unknown-sender.eml', 'held', /someone@private-mail\.test 未登记/],
      ['gmail-cn.eml', 'held', /spb\.fgw@gmail\.com 未登记/],
      ['autoreply-header.eml', 'auto-reply', null],
      ['autoreply-subject.eml', 'auto-reply', null],
      ['bounce-dsn.eml', 'bounce', /old-fgw@cq-spb\.test/],
    ];
    it.each(expected)('%s → %s', async (name, outcome, reason) => {
      const r = await ingestRaw(deps, fixture(name), 'file');
      expect(r.outcome).toBe(outcome);
      expect(r.duplicate).toBe(false);
      if (reason) expect(r.reason).toMatch(reason);
      const row = await db.prisma.inboundMessage.findUniqueOrThrow({ where: { id: r.id } });
      expect(row.outcome).toBe(outcome);
      expect(Buffer.from(row.raw).equals(fixture(name))).toBe(true);
    });

    it('a message seen twice is processed once', async () => {
      const again = await ingestRaw(deps, fixture('coremail-qp.eml'), 'imap');
      expect(again).toMatchObject({ outcome: 'applied', duplicate: true });
      expect(
        await db.prisma.inboundMessage.count({
          where: { messageId: '<2a1b3c4d.1a2b.18170000000.Coremail.fgw@cq-spb.test>' },
        }),
      ).toBe(1);
    });

    it('exactly the applied replies reached the workflow, each once, with what the unit wrote', async () => {
      const reports = await reportsOf('9', 7);
      expect(reports).toHaveLength(7);
      expect(new Set(reports.map((r) => r.key)).size).toBe(7);
      const byMessage = Object.fromEntries(reports.map((r) => [r.inboundMessageId, r]));
      expect(byMessage['<2a1b3c4d.1a2b.18170000000.Coremail.fgw@cq-spb.test>']).toMatchObject({
        status: '完成',
        percent: 100,
        unit: FIXTURE_UNIT,
        period: '2022-06',
        channel: 'email',
      });
      expect(byMessage['<narrative-1@cq-spb.test>']).toMatchObject({
        status: '推进中',
        percent: null,
        needsReview: true,
      });
      expect(
        byMessage['<attachments-1@cq-spb.test>']!.attachments!.map((a: { filename: string }) => a.filename),
      ).toContain('2022年6月进展台账.xlsx');
    });

    it('keeps the attachments with the message', async () => {
      const row = await db.prisma.inboundMessage.findUniqueOrThrow({
        where: { messageId: '<attachments-1@cq-spb.test>' },
        include: { attachments: true },
      });
      expect(row.attachments.map((a) => a.filename).sort()).toEqual(
        ['2022年6月进展台账.xlsx', '工作总结.docx', '现场照片.png', '验收报告.pdf'].sort(),
      );
    });

    it('a bounce marks the address failing and names its unit; no report', async () => {
      expect(
        await db.prisma.addressHealth.findUnique({ where: { address: 'old-fgw@cq-spb.test' } }),
      ).toMatchObject({ failing: true });
      expect(await db.prisma.inboundMessage.findFirst({ where: { outcome: 'bounce' } })).toMatchObject({
        unitName: '区旧单位',
      });
    });

    it('a reply for a workflow that does not exist is refused with the reason', async () => {
      const token = signReplyToken(
        {
          workflowId: `duban/${TASK_SET}/999`,
          unit: FIXTURE_UNIT,
          period: '2022-06',
          expiresAt: Date.now() + 86_400_000,
        },
        FIXTURE_SECRET,
      );
      const raw = Buffer.from(
        `From: ${FIXTURE_UNIT_EMAIL}\r\nTo: duban+${token}@duban.test\r\nSubject: Re\r\nMessage-ID: <nowf-1@x>\r\nDate: Thu, 16 Jun 2022 10:00:00 +0800\r\n\r\n状态：完成\r\n`,
      );
      expect(await ingestRaw(deps, raw, 'file')).toMatchObject({
        outcome: 'refused',
        reason: expect.stringMatching(/不存在/),
      });
    });

    it('a reply dated before MAIL_SINCE is not read', async () => {
      const raw = Buffer.from(
        fixture('coremail-qp.eml')
          .toString('latin1')
          .replace('Thu, 16 Jun 2022', 'Mon, 16 May 2022')
          .replace('Coremail.fgw@', 'Coremail.old@'),
        'latin1',
      );
      expect(await ingestRaw(deps, raw, 'file')).toMatchObject({
        outcome: 'refused',
        reason: expect.stringMatching(/MAIL_SINCE/),
      });
    });
  });

  describe('requests over SMTP, replies over IMAP, to the workflow', () => {
    const seq = '10';
    const workflowId = `duban/${TASK_SET}/${seq}`;
    const requestKey = `${workflowId}/request/2022-07/${FIXTURE_UNIT}`;
    let mailer: MailDeps;
    let request: Awaited<ReturnType<typeof simpleParser>>;
    let requestRaw: string;

    beforeAll(async () => {
      await startSinkWorkflow(seq);
      mailer = mailDeps(config, db.prisma, createTransport(config));
    });
    afterAll(() => mailer.transport.close());

    it('sends the request once, with reply address, reference, anti-loop headers and no injected header', async () => {
      const token = signReplyToken(
        { workflowId, unit: FIXTURE_UNIT, period: '2022-07', expiresAt: Date.now() + 30 * 86_400_000 },
        config.tokens.secret,
      );
      const fields = replyFields(token, config);
      const mail = renderMail('request', {
        taskSet: { name: '政府工作报告重点任务', year: 2022 },
        task: {
          seq,
          text: '推进老旧小区改造\r\nBcc: victim@evil.test\r\nX-Injected: yes',
          category: '重点工作',
          deadline: '2022-12-31',
        },
        unit: FIXTURE_UNIT,
        period: { id: '2022-07', label: '2022年7月', dueOn: '2022-07-25' },
        reference: fields.reference,
        replyAddress: fields.replyTo,
        replyLink: fields.link,
      });
      const out = {
        key: requestKey,
        kind: 'request' as const,
        workflowId,
        to: [FIXTURE_UNIT_EMAIL],
        subject: mail.subject + '\r\nBcc: victim@evil.test',
        text: mail.text,
        html: mail.html,
        replyTo: fields.replyTo,
        replyToken: token,
        headers: { 'X-Duban-Task': 'a\r\nBcc: victim@evil.test' },
      };
      const first = await sendOnce(mailer, out);
      const second = await sendOnce(mailer, out);
      expect(first.sent).toBe(true);
      expect(second).toEqual({ messageId: first.messageId, sent: false });
      expect(first.messageId).toBe(messageIdFor(requestKey, 'duban.test'));

      const [sunk] = await sink.waitFor(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(sink.messages).toHaveLength(1);
      expect(sunk!.from).toBe('duban-bounces@duban.test');
      expect(sunk!.to).toEqual([FIXTURE_UNIT_EMAIL]);
      requestRaw = sunk!.raw.toString('utf8');
      const head = requestRaw.slice(0, requestRaw.indexOf('\r\n\r\n'));
      expect(head).not.toMatch(/^(Bcc|X-Injected):/im);
      expect(head).toMatch(/^Auto-Submitted: auto-generated$/m);
      expect(head).toMatch(/^X-Auto-Response-Suppress: OOF, AutoReply$/m);
      request = await simpleParser(sunk!.raw);
      expect(request.messageId).toBe(first.messageId);
      expect(request.replyTo?.value[0]?.address).toBe(fields.replyTo);
      expect(request.subject).toContain(fields.reference);
      expect(request.text).toContain(fields.link);
      expect((await db.prisma.sentMail.findUniqueOrThrow({ where: { key: requestKey } })).replyToken).toBe(
        token,
      );
    });

    it('threads the reminder under the request', async () => {
      await sendOnce(mailer, {
        key: `${workflowId}/reminder1/2022-07/${FIXTURE_UNIT}`,
        kind: 'reminder',
        workflowId,
        to: [FIXTURE_UNIT_EMAIL],
        subject: '【催办】',
        text: '请尽快报送',
        ...threadHeaders(requestKey, 'duban.test'),
      });
      const [, reminder] = await sink.waitFor(2);
      const parsed = await simpleParser(reminder!.raw);
      expect(parsed.inReplyTo).toBe(request.messageId);
      expect(parsed.references).toContain(request.messageId);
      // a reply to the reminder finds the request's token through the reminder's row
      const row = await db.prisma.sentMail.findUniqueOrThrow({
        where: { key: `${workflowId}/reminder1/2022-07/${FIXTURE_UNIT}` },
      });
      expect(row.replyToken).toBe(
        (await db.prisma.sentMail.findUniqueOrThrow({ where: { key: requestKey } })).replyToken,
      );
    });

    /** A Foxmail-style reply in GBK, quoting the request, as the unit's client would build it. */
    function reply(opts: {
      from?: string;
      to?: string;
      subject?: string;
      messageId: string;
      body: string;
      date?: string;
      extraHeaders?: string;
    }): string {
      const quoted = `\n\n------------------ 原始邮件 ------------------\n发件人: "区政府督查室" <${request.replyTo?.value[0]?.address}>;\n发送时间: 2022年7月15日 上午9:00\n\n${request.text}`;
      const subject = opts.subject ?? `回复：${request.subject}`;
      return [
        `From: ${opts.from ?? FIXTURE_UNIT_EMAIL}`,
        `To: ${opts.to ?? request.replyTo?.value[0]?.address}`,
        `Subject: =?GBK?B?${iconv.encode(subject, 'gbk').toString('base64')}?=`,
        `Date: ${opts.date ?? 'Fri, 22 Jul 2022 10:00:00 +0800'}`,
        `Message-ID: ${opts.messageId}`,
        `In-Reply-To: ${request.messageId}`,
        `References: ${request.messageId}`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset="gb2312"',
        'Content-Transfer-Encoding: base64',
        ...(opts.extraHeaders ? [opts.extraHeaders] : []),
        '',
        iconv
          .encode(opts.body + quoted, 'gb18030')
          .toString('base64')
          .replace(/(.{76})/g, '$1\r\n'),
        '',
      ].join('\r\n');
    }

    it('takes the replies from dovecot, routes them, and marks them seen', async () => {
      const client = await connectImap(imap);
      const good = reply({
        messageId: '<e2e-reply-1@cq-spb.test>',
        body: '状态：滞后\n进度：35%\n原因：设计变更，7月底前完成。',
      });
      await client.append('INBOX', good);
      await client.append('INBOX', good); // delivered twice (a resent or a second copy)
      await client.append(
        'INBOX',
        reply({
          messageId: '<e2e-reply-2@cq-spb.test>',
          to: 'duban@duban.test',
          body: '状态：推进中\n进度：40%',
        }),
      );
      await client.append(
        'INBOX',
        reply({
          messageId: '<e2e-held@cq-spb.test>',
          from: 'intern@private-mail.test',
          body: '状态：完成\n进度：100%',
        }),
      );
      await client.append(
        'INBOX',
        reply({
          messageId: '<e2e-oof@cq-spb.test>',
          subject: `自动回复：${request.subject}`,
          body: '我正在出差。',
          extraHeaders: 'Auto-Submitted: auto-replied',
        }),
      );
      // a mailbox used before Duban: an old unread message is not read into the past
      await client.append(
        'INBOX',
        reply({
          messageId: '<e2e-old@cq-spb.test>',
          body: '状态：完成',
          date: 'Mon, 16 May 2022 10:00:00 +0800',
        }),
        [],
        new Date('2022-05-16T02:00:00Z'),
      );
      await client.logout();

      const result = await pollOnce(config, deps);
      expect(result.fetched).toBe(5);
      expect(result.retry).toBe(0);
      const outcomes = result.outcomes.map((o) => `${o.messageId} ${o.outcome}${o.duplicate ? ' dup' : ''}`);
      expect(outcomes).toEqual([
        '<e2e-reply-1@cq-spb.test> applied',
        '<e2e-reply-1@cq-spb.test> applied dup',
        '<e2e-reply-2@cq-spb.test> applied',
        '<e2e-held@cq-spb.test> held',
        '<e2e-oof@cq-spb.test> auto-reply',
      ]);

      const reports = await reportsOf(seq, 2);
      // the poller ingests a few at a time: order among different messages is not fixed
      expect(reports.map((r) => [r.inboundMessageId, r.status, r.percent, r.period]).sort()).toEqual([
        ['<e2e-reply-1@cq-spb.test>', '滞后', 35, '2022-07'],
        ['<e2e-reply-2@cq-spb.test>', '推进中', 40, '2022-07'],
      ]);
      const first = reports.find((r) => r.inboundMessageId === '<e2e-reply-1@cq-spb.test>')!;
      expect(first.reason).toBe('设计变更，7月底前完成。');
      expect(first.text).not.toContain('原始邮件');

      const check = await connectImap(imap);
      const lock = await check.getMailboxLock('INBOX');
      const unseen = (await check.search({ seen: false }, { uid: true })) || [];
      const left = await check.fetchAll(unseen, { envelope: true }, { uid: true });
      lock.release();
      await check.logout();
      expect(left.map((m) => m.envelope?.messageId)).toEqual(['<e2e-old@cq-spb.test>']);

      expect((await pollOnce(config, deps)).fetched).toBe(0);
      // nothing was sent in answer to any of them: no mail loops
      expect(sink.messages).toHaveLength(2);
    });

    it('the poller started by duban up picks up a new reply on its own', async () => {
      const client = await connectImap(imap);
      await client.append(
        'INBOX',
        reply({ messageId: '<e2e-reply-3@cq-spb.test>', body: '状态：完成\n进度：100%' }),
      );
      await client.logout();
      const poller = startImapPoller(config, deps);
      try {
        const until = Date.now() + 15_000;
        while (
          !(
            await db.prisma.inboundMessage.findUnique({ where: { messageId: '<e2e-reply-3@cq-spb.test>' } })
          )?.outcome.match(/applied/) &&
          Date.now() < until
        ) {
          await new Promise((r) => setTimeout(r, 200));
        }
      } finally {
        await poller.stop();
      }
      expect((await reportsOf(seq, 3)).map((r) => r.status).sort()).toEqual(['完成', '推进中', '滞后']);
    });
  });
  describe("web: the office's inbox and the unit's reply form", () => {
    let web: WebServer;
    /** the units' listener: the reply form */
    let base: string;
    /** the office, signed in on the desk */
    let office: WebSession;
    const token = () =>
      signReplyToken(
        {
          workflowId: `duban/${TASK_SET}/10`,
          unit: FIXTURE_UNIT,
          period: '2022-08',
          expiresAt: Date.now() + 86_400_000,
        },
        FIXTURE_SECRET,
      );

    beforeAll(async () => {
      // both listeners on ports of their own choosing
      web = await startWebServer({
        config: { ...config, web: { ...config.web, port: 0, publicPort: 0 } },
        db,
        client: env.client,
        inbound: deps,
      });
      base = web.publicUrl;
      await addUser(db.prisma, { name: '张三', role: 'office', password: 'office-pass-2022' }, 'test');
      office = await new WebSession(web.url).signIn('张三', 'office-pass-2022');
    });
    afterAll(() => web?.close());

    const post = (t: string, form: Record<string, string>) =>
      fetch(`${base}/reply/${t}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });

    it('shows the form for a valid link, and refuses a forged or expired one', async () => {
      const ok = await fetch(`${base}/reply/${token()}`);
      expect(ok.status).toBe(200);
      const page = await ok.text();
      expect(page).toContain(FIXTURE_UNIT);
      expect(page).toContain('<form method="post"');
      const forged = signReplyToken(
        {
          workflowId: `duban/${TASK_SET}/10`,
          unit: FIXTURE_UNIT,
          period: '2022-08',
          expiresAt: Date.now() + 86_400_000,
        },
        'x'.repeat(40),
      );
      expect((await fetch(`${base}/reply/${forged}`)).status).toBe(403);
      const expired = signReplyToken(
        {
          workflowId: `duban/${TASK_SET}/10`,
          unit: FIXTURE_UNIT,
          period: '2022-08',
          expiresAt: Date.now() - 1000,
        },
        FIXTURE_SECRET,
      );
      const res = await fetch(`${base}/reply/${expired}`);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('链接已过期');
    });

    it('a submitted report reaches the workflow through the update and the unit is told', async () => {
      const res = await post(token(), {
        status: '部分完成',
        percent: '70',
        text: '<script>alert(1)</script>主体完工',
        reason: '附属工程顺延',
      });
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body).toContain('报送成功');
      expect(body).not.toContain('<script>alert(1)</script>');
      const reports = await reportsOf('10', 4);
      expect(reports.at(-1)).toMatchObject({
        channel: 'web',
        status: '部分完成',
        percent: 70,
        period: '2022-08',
        reason: '附属工程顺延',
      });
      expect(await db.prisma.inboundMessage.count({ where: { source: 'web', outcome: 'applied' } })).toBe(1);
    });

    it('a report with attachments (multipart) keeps the files with the submission', async () => {
      const form = new FormData();
      form.set('status', '推进中');
      form.set('percent', '60');
      form.set('text', '附进度表与现场照片');
      const csv = '序号,进度\n1,60%\n';
      form.append('attachments', new Blob([Buffer.from(csv)], { type: 'text/csv' }), '进度表.csv');
      form.append(
        'attachments',
        new Blob([Buffer.from([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' }),
        '现场.png',
      );
      const res = await fetch(`${base}/reply/${token()}`, { method: 'POST', body: form });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('报送成功');
      const reports = await reportsOf('10', 5);
      expect(reports.at(-1)?.attachments).toEqual([
        { filename: '进度表.csv', contentType: 'text/csv', size: Buffer.byteLength(csv) },
        { filename: '现场.png', contentType: 'image/png', size: 4 },
      ]);
      const row = await db.prisma.inboundMessage.findFirstOrThrow({
        where: { source: 'web', outcome: 'applied', attachments: { some: {} } },
        include: { attachments: true },
      });
      expect(row.attachments.map((a) => [a.filename, a.size])).toEqual([
        ['进度表.csv', Buffer.byteLength(csv)],
        ['现场.png', 4],
      ]);
      expect(Buffer.from(row.attachments[0]!.content!).toString()).toBe(csv);
    });

    it("the workflow's refusal is shown with its reason", async () => {
      // the task as the importer leaves it, so the refusal has a task to be kept under
      await db.prisma.task.create({
        data: {
          taskSetId: TASK_SET,
          seq: '10',
          category: '重点工作',
          text: '测试任务',
          deadline: new Date('2022-12-31'),
          workflowId: `duban/${TASK_SET}/10`,
        },
      });
      const other = signReplyToken(
        {
          workflowId: `duban/${TASK_SET}/10`,
          unit: '区财政局',
          period: '2022-08',
          expiresAt: Date.now() + 86_400_000,
        },
        FIXTURE_SECRET,
      );
      const res = await post(other, { status: '完成', percent: '100', text: '完成' });
      expect(res.status).toBe(409);
      expect(await res.text()).toContain('区财政局”不在本任务上');
      // kept with its reason, like a refusal on the signal path
      const refused = await db.prisma.report.findFirstOrThrow({
        where: { unitName: '区财政局', channel: 'web', accepted: false },
      });
      expect(refused.refusalReason).toContain('不在本任务上');
    });

    it('bad input is answered on the form', async () => {
      const res = await post(token(), { status: '很好', percent: '120', text: '' });
      expect(res.status).toBe(400);
      const body = await res.text();
      expect(body).toContain('请选择状态');
      expect(body).toContain('进度应为 0 到 100 的整数');
    });

    it('the office lets a held reply through after checking the sender; the audit log says who', async () => {
      const held = await db.prisma.inboundMessage.findUniqueOrThrow({
        where: { messageId: '<unknown-sender-1@private-mail.test>' },
      });
      const detail = (await office.get(`/inbox/${held.id}`)).body;
      expect(detail).toContain(`action="/inbox/${held.id}/apply"`);
      const res = await office.post(`/inbox/${held.id}/apply`);
      expect(res.status).toBe(303);
      expect(await db.prisma.inboundMessage.findUniqueOrThrow({ where: { id: held.id } })).toMatchObject({
        outcome: 'applied',
        reason: expect.stringContaining('张三'),
      });
      const reports = await reportsOf('9', 8);
      expect(reports.at(-1)).toMatchObject({
        inboundMessageId: '<unknown-sender-1@private-mail.test>',
        needsReview: true,
        status: '完成',
      });
      expect(await db.prisma.auditEvent.findFirst({ where: { action: 'inbox.apply-held' } })).toMatchObject({
        actor: '张三',
        workflowId: `duban/${TASK_SET}/9`,
      });
      const again = await office.post(`/inbox/${held.id}/apply`);
      expect(again.status).toBe(409);
      expect(again.body).toContain('只有待核实的邮件');
    });

    it('the office sees every message with its outcome and can download the raw one', async () => {
      const res = await office.get('/inbox');
      expect(res.status).toBe(200);
      const page = res.body;
      for (const label of ['已报送', '待核实', '已拒收', '自动回复', '退信'])
        expect(page).toContain(`>${label}</td>`);
      expect(page).toContain('someone@private-mail.test');
      expect(page).toContain('old-fgw@cq-spb.test');
      const row = await db.prisma.inboundMessage.findUniqueOrThrow({
        where: { messageId: '<tencent_4F1A2B3C@qq.com>' },
      });
      const eml = await fetch(`${web.url}/inbox/${row.id}.eml`, {
        headers: { cookie: [...office.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      expect(eml.headers.get('content-type')).toBe('message/rfc822');
      expect(Buffer.from(await eml.arrayBuffer()).equals(fixture('qq-foxmail-gb2312.eml'))).toBe(true);
      const qq = 'data-message-id="&lt;tencent_4F1A2B3C@qq.com&gt;"';
      expect(page).toContain(qq);
      const held = (await office.get('/inbox?outcome=held')).body;
      expect(held).not.toContain(qq);
      expect(held).toContain('data-message-id="&lt;CAB+1234abcdEFGH5678ijkl@mail.gmail.com&gt;"');
    });
  });
});
