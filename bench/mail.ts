// Benchmark, one run, real servers (PostgreSQL, Temporal dev server, dovecot,
// smtp-server), one JSON document on stdout:
//   replies: N replies appended to dovecot, then taken end to end — IMAP fetch,
//            raw stored, parsed, routed as reportSignal, \Seen — until every
//            report has reached its workflow; against mailparser alone (and our
//            parseReply alone) on the same raw messages.
//   requests: N request mails sent with sendOnce (SentMail check + send + row)
//            against bare pooled nodemailer sending the same mails to the same sink.
//   npx tsx bench/mail.ts [replies=300] [requests=300]
// The Temporal dev server writes its banner to the stdout it inherits, so the
// measuring runs in a child whose stdout goes to stderr, and hands the JSON
// back on fd 3.
import { cpus, loadavg } from 'node:os';
import { spawn } from 'node:child_process';
import { writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import iconv from 'iconv-lite';
import nodemailer from 'nodemailer';
import { Worker } from '@temporalio/worker';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { localDevEnv } from '../test/helpers/temporal.ts';
import { startSmtpSink } from '../test/helpers/smtp-sink.ts';
import { startDovecot } from '../test/helpers/dovecot.ts';
import { reportsQuery } from '../test/fixtures/mail/report-sink-workflow.ts';
import { loadConfig } from '../lib/config.ts';
import { createTransport } from '../lib/mail/transport.ts';
import { mailDeps, sendOnce } from '../lib/mail/send.ts';
import { renderMail } from '../activities/mail/templates.ts';
import { replyFields, signReplyToken } from '../lib/mail/tokens.ts';
import { parseReply } from '../lib/mail/parse/index.ts';
import { pollOnce } from '../worker/imap-poller.ts';

const SECRET = 'bench-secret-0123456789abcdef0123456789ab';
const WORKFLOWS = 10;
const UNIT = '区发展改革委';
const UNIT_EMAIL = 'fgw@cq-spb.test';

function reply(i: number, token: string, gbk: boolean): Buffer {
  const body = `状态：${['推进中', '完成', '滞后', '部分完成'][i % 4]}\n进度：${i % 101}%\n原因：第${i}份测试回复。\n\n本月完成项目前期手续，已开工建设。\n\n------------------ 原始邮件 ------------------\n发件人: "区政府督查室"<duban@duban.test>;\n发送时间: 2022年6月15日(星期三) 上午9:00\n\n请于2022年6月27日前报送进展情况。\n第一行写“状态：××”。\n`;
  const charset = gbk ? 'gb2312' : 'utf-8';
  const bytes = gbk ? iconv.encode(body, 'gb18030') : Buffer.from(body);
  return Buffer.from(
    [
      `From: ${UNIT_EMAIL}`,
      `To: duban+${token}@duban.test`,
      `Subject: =?UTF-8?B?${Buffer.from(`回复：关于报送进展情况的通知（第${i}份）`).toString('base64')}?=`,
      'Date: Thu, 16 Jun 2022 10:12:33 +0800',
      `Message-ID: <bench-${i}@cq-spb.test>`,
      'MIME-Version: 1.0',
      `Content-Type: text/plain; charset="${charset}"`,
      'Content-Transfer-Encoding: base64',
      '',
      bytes.toString('base64').replace(/(.{76})/g, '$1\r\n'),
      '',
    ].join('\r\n'),
  );
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function main(): Promise<void> {
  const nReplies = Number(process.argv[2] ?? 300);
  const nRequests = Number(process.argv[3] ?? 300);
  const home = mkdtempSync(path.join(tmpdir(), 'duban-bench-mail-'));
  const [db, env, sink, imap] = await Promise.all([
    createTestDatabase('duban_bench'),
    localDevEnv(),
    startSmtpSink(),
    startDovecot(),
  ]);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'bench-mail',
    workflowsPath: fileURLToPath(new URL('../test/fixtures/mail/report-sink-workflow.ts', import.meta.url)),
  });
  const run = worker.run();
  try {
    const config = loadConfig({
      DUBAN_HOME: home,
      DATABASE_URL: db.url,
      SMTP_URL: sink.url,
      IMAP_URL: imap.url,
      TOKEN_SECRET: SECRET,
    });
    await db.prisma.taskSet.create({
      data: { id: 'bench', name: 'bench', year: 2022, sourceFile: 'x', sourceHash: 'x' },
    });
    await db.prisma.unit.create({
      data: { taskSetId: 'bench', code: 'fgw', name: UNIT, emails: [UNIT_EMAIL] },
    });
    for (let w = 0; w < WORKFLOWS; w++) {
      await env.client.workflow.start('reportSink', {
        taskQueue: 'bench-mail',
        workflowId: `duban/bench/${w}`,
        args: [[UNIT]],
      });
    }

    // ---------------- replies
    const expiresAt = Date.now() + 86_400_000;
    const tokens = Array.from({ length: WORKFLOWS }, (_, w) =>
      signReplyToken({ workflowId: `duban/bench/${w}`, unit: UNIT, period: '2022-06', expiresAt }, SECRET),
    );
    const raws = Array.from({ length: nReplies }, (_, i) => reply(i, tokens[i % WORKFLOWS]!, i % 2 === 0));
    const imapClient = new ImapFlow({
      host: imap.host,
      port: imap.port,
      secure: false,
      auth: { user: imap.user, pass: imap.pass },
      logger: false,
    });
    await imapClient.connect();
    for (const raw of raws) await imapClient.append('INBOX', raw);
    await imapClient.logout();

    const deps = { prisma: db.prisma, client: env.client, config };
    const t0 = performance.now();
    const polled = await pollOnce(config, deps);
    const tPolled = performance.now();
    let received = 0;
    while (received < nReplies) {
      received = 0;
      for (let w = 0; w < WORKFLOWS; w++)
        received += (await env.client.workflow.getHandle(`duban/bench/${w}`).query(reportsQuery)).length;
      if (received < nReplies) await new Promise((r) => setTimeout(r, 50));
      if (performance.now() - t0 > 300_000)
        throw new Error(`only ${received}/${nReplies} reports reached the workflows`);
    }
    const endToEndMs = performance.now() - t0;
    const applied = polled.outcomes.filter((o) => o.outcome === 'applied').length;

    // warm both parsers up first, so neither pays the JIT for the other
    for (const raw of raws.slice(0, 30)) {
      await simpleParser(raw);
      await parseReply(raw);
    }
    const t1 = performance.now();
    for (const raw of raws) await simpleParser(raw);
    const mailparserMs = performance.now() - t1;
    const t2 = performance.now();
    for (const raw of raws) await parseReply(raw);
    const parseReplyMs = performance.now() - t2;

    // ---------------- requests
    const mails = Array.from({ length: nRequests }, (_, i) => {
      const token = signReplyToken(
        { workflowId: `duban/bench/${i}`, unit: UNIT, period: '2022-06', expiresAt },
        SECRET,
      );
      const fields = replyFields(token, config);
      const m = renderMail('request', {
        taskSet: { name: '政府工作报告重点任务', year: 2022 },
        task: {
          seq: String(i),
          text: `第${i}项任务：推动成渝地区双城经济圈建设走深走实`,
          category: '重点工作',
          deadline: '2022-12-31',
        },
        unit: UNIT,
        period: { id: '2022-06', label: '2022年6月', dueOn: '2022-06-27' },
        reference: fields.reference,
        replyAddress: fields.replyTo,
        replyLink: fields.link,
      });
      return { key: `duban/bench/${i}/request/2022-06/${UNIT}`, token, replyTo: fields.replyTo, ...m };
    });
    const concurrency = 8;
    const transport = createTransport(config);
    const mailer = mailDeps(config, db.prisma, transport);
    const s0 = performance.now();
    await pool(mails, concurrency, (m) =>
      sendOnce(mailer, {
        key: m.key,
        kind: 'request',
        to: [UNIT_EMAIL],
        subject: m.subject,
        text: m.text,
        html: m.html,
        replyTo: m.replyTo,
        replyToken: m.token,
      }),
    );
    await sink.waitFor(nRequests, 60_000);
    const sendOnceMs = performance.now() - s0;
    transport.close();

    const bare = nodemailer.createTransport({
      pool: true,
      maxConnections: 3,
      host: '127.0.0.1',
      port: sink.port,
      secure: false,
      ignoreTLS: true,
    });
    const b0 = performance.now();
    await pool(mails, concurrency, (m) =>
      bare.sendMail({
        from: config.mail.from,
        to: [UNIT_EMAIL],
        subject: m.subject,
        text: m.text,
        html: m.html,
        replyTo: m.replyTo,
      }),
    );
    await sink.waitFor(2 * nRequests, 60_000);
    const bareMs = performance.now() - b0;
    bare.close();

    const rate = (n: number, ms: number) => Math.round((n / ms) * 1000 * 10) / 10;
    writeSync(
      3,
      JSON.stringify(
        {
          machine: {
            cpus: cpus().length,
            node: process.version,
            loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
          },
          replies: {
            messages: nReplies,
            applied,
            workflows: WORKFLOWS,
            endToEndMs: Math.round(endToEndMs),
            imapPollMs: Math.round(tPolled - t0),
            endToEndPerSecond: rate(nReplies, endToEndMs),
            mailparserAlonePerSecond: rate(nReplies, mailparserMs),
            parseReplyAlonePerSecond: rate(nReplies, parseReplyMs),
            endToEndVsMailparser: Math.round((mailparserMs / endToEndMs) * 1000) / 1000,
          },
          requests: {
            messages: nRequests,
            concurrency,
            sendOnceMs: Math.round(sendOnceMs),
            sendOncePerSecond: rate(nRequests, sendOnceMs),
            bareNodemailerPerSecond: rate(nRequests, bareMs),
            sendOnceVsBare: Math.round((bareMs / sendOnceMs) * 1000) / 1000,
          },
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    worker.shutdown();
    await run.catch(() => undefined);
    await Promise.allSettled([env.teardown(), sink.close(), imap.stop(), db.drop()]);
    rmSync(home, { recursive: true, force: true });
  }
}

function parent(): void {
  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--child', ...process.argv.slice(2)],
    {
      stdio: ['ignore', process.stderr, 'inherit', 'pipe'],
    },
  );
  const out: Buffer[] = [];
  child.stdio[3]!.on('data', (d: Buffer) => out.push(d));
  child.on('exit', (code) => {
    process.stdout.write(Buffer.concat(out));
    process.exitCode = code ?? 1;
  });
}

if (process.argv.includes('--child')) {
  process.argv = process.argv.filter((a) => a !== '--child');
  main().catch((err) => {
    process.stderr.write(`bench/mail.ts failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
} else {
  parent();
}
