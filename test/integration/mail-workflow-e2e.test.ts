// Issue 5 end to end with nothing standing in: the real task workflow on the
// Temporal dev server sends its 请报送 through the real activity over SMTP
// (smtp-server), the unit answers from its mail client, quoting the request
// the way QQ/Foxmail does; the answer lands in a real IMAP mailbox (dovecot),
// the poller reads it, and the task's workflow takes it as the unit's report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import type { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { localDevEnv } from '../helpers/temporal.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { connectImap, dovecotBinary, startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { seedTaskSet } from '../workflow/harness.ts';
import { loadConfig, type Config } from '../../lib/config.ts';
import { createTransport } from '../../lib/mail/transport.ts';
import { createActivities } from '../../activities/apply-effects.ts';
import { createWorker } from '../../worker/worker.ts';
import { buildTaskInputs } from '../../client/start/task-inputs.ts';
import { pollOnce } from '../../worker/imap-poller.ts';
import { stateQuery } from '../../workflows/messages.ts';
import { atChinaTime } from '../../workflows/calendar.ts';

const dovecot = dovecotBinary();
let db: TestDatabase;
let env: TestWorkflowEnvironment;
let sink: SmtpSink;
let imap: Dovecot;
let worker: Worker;
let running: Promise<void>;
let config: Config;

describe.skipIf('missing' in dovecot)(
  'a request answered from a mail client reaches the real workflow',
  () => {
    beforeAll(async () => {
      [db, env, sink, imap] = await Promise.all([
        createTestDatabase('duban_e2e'),
        localDevEnv(),
        startSmtpSink(),
        startDovecot(),
      ]);
      config = loadConfig({
        DUBAN_HOME: mkdtempSync(path.join(tmpdir(), 'duban-e2e-')),
        DATABASE_URL: db.url,
        SMTP_URL: sink.url,
        IMAP_URL: imap.url,
        TOKEN_SECRET: 'e'.repeat(40),
        TEMPORAL_TASK_QUEUE: 'e2e-mail',
      });
      const transport = createTransport(config);
      const activities = createActivities({
        prisma: db.prisma,
        config,
        transport,
      });
      worker = await createWorker({ connection: env.nativeConnection, taskQueue: 'e2e-mail', activities });
      running = worker.run();
    }, 180_000);
    afterAll(async () => {
      worker?.shutdown();
      await running;
      await Promise.all([env?.teardown(), db?.drop(), sink?.close(), imap?.stop()]);
    });

    it(
      '请报送 out over SMTP, the reply in over IMAP, the report in the workflow and the database',
      { timeout: 120_000 },
      async () => {
        const setId = await seedTaskSet(db.prisma, {
          units: [{ name: '区交通局', emails: ['jtj@units.test'] }],
          tasks: [{ seq: '9', text: '推进轨道交通建设', lead: ['区交通局'] }],
        });
        // The workflow's clock stands ten seconds before the February request goes out.
        const clockOffsetMs = atChinaTime('2022-02-15', '08:59') + 50_000 - Date.now();
        const [start] = await buildTaskInputs(db.prisma, setId, { clockOffsetMs, searchAttributes: false });
        const handle = await env.client.workflow.start('taskWorkflow', {
          taskQueue: 'e2e-mail',
          workflowId: start!.workflowId,
          args: [start!.input],
        });

        // 交办 and then the request arrive at the unit.
        const mails = await sink.waitFor(2, 60_000);
        const parsed = await Promise.all(mails.map((m) => simpleParser(m.raw)));
        const request = parsed.find((m) => m.subject?.includes('请报送'))!;
        expect(request).toBeDefined();
        expect(request.to && 'text' in request.to ? request.to.text : '').toContain('jtj@units.test');
        const replyTo =
          request.replyTo && 'text' in request.replyTo ? request.replyTo.value[0]!.address! : '';
        expect(replyTo).toMatch(/^duban\+[a-z0-9]+@duban\.test$/);

        // The unit answers from Foxmail: status and percent on top, the request quoted below.
        const answer = [
          `From: =?UTF-8?B?${Buffer.from('区交通局').toString('base64')}?= <jtj@units.test>`,
          `To: ${replyTo}`,
          `Subject: =?UTF-8?B?${Buffer.from(`回复：${request.subject}`).toString('base64')}?=`,
          `Message-ID: <e2e-foxmail-1@units.test>`,
          `In-Reply-To: ${request.messageId}`,
          `Date: ${new Date().toUTCString()}`,
          'MIME-Version: 1.0',
          'Content-Type: text/plain; charset=UTF-8',
          'Content-Transfer-Encoding: base64',
          '',
          Buffer.from(
            `状态：推进中\n进度：30%\n一期工程已完成招标。\n\n------------------ 原始邮件 ------------------\n发件人: "区政府督查室"\n发送时间: 2022年2月15日(星期二) 上午9:00\n\n${request.text ?? ''}\n`,
          ).toString('base64'),
          '',
        ].join('\r\n');
        const client = await connectImap(imap);
        await client.append('INBOX', answer);
        await client.logout();

        const polled = await pollOnce(config, { prisma: db.prisma, client: env.client, config });
        expect(polled.outcomes.map((o) => o.outcome)).toEqual(['applied']);

        // The workflow took it as 区交通局's February report; the projection says so.
        let report;
        for (let i = 0; i < 100 && !report; i++) {
          report = await db.prisma.report.findFirst({
            where: { inboundMessageId: '<e2e-foxmail-1@units.test>' },
          });
          if (!report) await new Promise((r) => setTimeout(r, 200));
        }
        expect(report).toMatchObject({
          unitName: '区交通局',
          period: '2022-02',
          status: '推进中',
          percent: 30,
          accepted: true,
          channel: 'email',
        });
        expect(report!.text).toContain('一期工程已完成招标');
        expect(report!.text).not.toContain('原始邮件');
        const view = await handle.query(stateQuery);
        expect(view.periods.find((p) => p.id === '2022-02')?.reported).toHaveProperty('区交通局');
        expect(
          await db.prisma.inboundMessage.findUniqueOrThrow({
            where: { messageId: '<e2e-foxmail-1@units.test>' },
          }),
        ).toMatchObject({ outcome: 'applied', workflowId: start!.workflowId });
        // and Duban answered nothing: the sink still holds only its own two mails
        expect(sink.messages).toHaveLength(2);
      },
    );
  },
);
