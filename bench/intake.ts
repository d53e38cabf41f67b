// Benchmark (c) intake: a backlog of N replies (half GB2312, half UTF-8, each
// with a signed reply token and a quoted original) appended to a private
// dovecot mailbox, as after an outage, then drained:
//   Duban: one intake round (pollOnce, what `duban worker` runs under its
//          advisory lock): IMAP fetch, raw stored, parsed, token checked,
//          routed as a report to its workflow, \Seen — until every report has
//          reached its workflow (a stand-in taking the task workflow's report
//          signal, test/fixtures/mail/report-sink-workflow.ts, on a dev server);
//   baseline: the same messages, fetched again from the same mailbox in one
//          IMAP FETCH, then per message mailparser, one raw INSERT and one bare
//          signal to its own stand-in workflow.
// Ratio = Duban's messages/s ÷ the baseline's. Goal ≥0.5 and ≤2 minutes.
//   node --import tsx bench/intake.ts [--replies 5000]   → JSON on stdout
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import iconv from 'iconv-lite';
import pg from 'pg';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { localDevEnv } from '../test/helpers/temporal.ts';
import { startDovecot } from '../test/helpers/dovecot.ts';
import { reportsQuery } from '../test/fixtures/mail/report-sink-workflow.ts';
import { loadConfig } from '../lib/config.ts';
import { signReplyToken } from '../lib/mail/tokens.ts';
import { pollOnce } from '../worker/imap-poller.ts';
import { installQuietRuntime } from '../lib/temporal.ts';
import { reportSignal } from '../workflows/messages.ts';
import type { ReportInput } from '../workflows/types.ts';
import { benchmarkMain, progress, rate, ratio, round, type BenchResult } from './lib.ts';

const { values } = parseArgs({ options: { replies: { type: 'string', default: '5000' } } });
const N = Number(values.replies);
const say = progress('intake');

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

benchmarkMain(import.meta.url, async (): Promise<BenchResult> => {
  installQuietRuntime();
  const home = mkdtempSync(path.join(tmpdir(), 'duban-bench-intake-'));
  const [db, env, imap] = await Promise.all([
    createTestDatabase('duban_bench'),
    localDevEnv(),
    startDovecot(),
  ]);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'bench-intake',
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('../test/fixtures/mail/report-sink-workflow.ts', import.meta.url)),
      logger: {
        log() {},
        trace() {},
        debug() {},
        info() {},
        warn() {},
        error: (m: string) => console.error(m),
      },
    }),
  });
  const running = worker.run();
  const bare = new pg.Pool({ connectionString: db.url, max: 2 });
  bare.on('error', () => undefined);
  try {
    const config = loadConfig({
      DUBAN_HOME: home,
      DATABASE_URL: db.url,
      IMAP_URL: imap.url,
      TOKEN_SECRET: SECRET,
    });
    await db.prisma.taskSet.create({
      data: { id: 'bench', name: 'bench', year: 2022, sourceFile: 'x', sourceHash: 'x' },
    });
    await db.prisma.unit.create({
      data: { taskSetId: 'bench', code: 'fgw', name: UNIT, emails: [UNIT_EMAIL] },
    });
    for (const prefix of ['duban', 'bare'])
      for (let w = 0; w < WORKFLOWS; w++)
        await env.client.workflow.start('reportSink', {
          taskQueue: 'bench-intake',
          workflowId: `${prefix}/bench/${w}`,
          args: [[UNIT]],
        });
    const received = async (prefix: string) => {
      let n = 0;
      for (let w = 0; w < WORKFLOWS; w++)
        n += (await env.client.workflow.getHandle(`${prefix}/bench/${w}`).query(reportsQuery)).length;
      return n;
    };

    const expiresAt = Date.now() + 86_400_000;
    const tokens = Array.from({ length: WORKFLOWS }, (_, w) =>
      signReplyToken({ workflowId: `duban/bench/${w}`, unit: UNIT, period: '2022-06', expiresAt }, SECRET),
    );
    const raws = Array.from({ length: N }, (_, i) => reply(i, tokens[i % WORKFLOWS]!, i % 2 === 0));
    const imapClient = () =>
      new ImapFlow({
        host: imap.host,
        port: imap.port,
        secure: false,
        auth: { user: imap.user, pass: imap.pass },
        logger: false,
      });
    const appender = imapClient();
    await appender.connect();
    for (const [i, raw] of raws.entries()) {
      await appender.append('INBOX', raw);
      say('写入 IMAP 邮箱', i + 1, N);
    }
    await appender.logout();

    // ---- Duban: one intake round, until every report reached its workflow
    say(`Duban：一轮收取 ${N} 封回复`);
    const t0 = performance.now();
    const polled = await pollOnce(config, { prisma: db.prisma, client: env.client, config });
    let got = 0;
    while ((got = await received('duban')) < N) {
      say('Duban：回复送达工作流', got, N);
      if (performance.now() - t0 > 600_000) throw new Error(`10 分钟内只有 ${got}/${N} 份报告送达工作流`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const dubanMs = performance.now() - t0;
    const applied = polled.outcomes.filter((o) => o.outcome === 'applied').length;
    const storedRows = await db.prisma.inboundMessage.count();

    // ---- baseline: one FETCH of the same messages, then mailparser + raw INSERT + bare signal each
    say('基线：IMAP 取信 + mailparser + 一条 INSERT + 一个信号');
    const t1 = performance.now();
    const fetcher = imapClient();
    await fetcher.connect();
    const lock = await fetcher.getMailboxLock('INBOX');
    const sources: Buffer[] = [];
    try {
      for await (const m of fetcher.fetch('1:*', { source: true })) if (m.source) sources.push(m.source);
    } finally {
      lock.release();
      await fetcher.logout();
    }
    for (const [i, raw] of sources.entries()) {
      const parsed = await simpleParser(raw);
      const messageId = `bare-${parsed.messageId ?? i}`;
      await bare.query(
        'INSERT INTO "InboundMessage" ("messageId", source, raw, outcome, "fromAddr", subject) VALUES ($1, $2, $3, $4, $5, $6)',
        [messageId, 'imap', raw, 'applied', parsed.from?.value[0]?.address ?? null, parsed.subject ?? null],
      );
      await env.client.workflow.getHandle(`bare/bench/${i % WORKFLOWS}`).signal(reportSignal, {
        key: messageId,
        period: '2022-06',
        unit: UNIT,
        status: '推进中',
        percent: null,
        text: parsed.text ?? '',
        channel: 'email',
        receivedAt: Date.now(),
      } satisfies ReportInput);
      say('基线：逐封处理', i + 1, sources.length);
    }
    while ((got = await received('bare')) < sources.length) await new Promise((r) => setTimeout(r, 50));
    const bareMs = performance.now() - t1;

    const duban = rate(N, dubanMs);
    const base = rate(sources.length, bareMs);
    return {
      benchmark: 'intake',
      seconds: 0,
      figures: [
        {
          id: 'intake',
          figure: `积压回复收取：IMAP 中 ${N} 封 → 报告送达工作流`,
          unit: 'msgs/s',
          duban,
          baseline: base,
          ratio: ratio(duban, base),
          goal: '≥0.5 且 ≤120 s',
          met: ratio(duban, base) >= 0.5 && dubanMs <= 120_000 && applied === N,
          detail: {
            replies: N,
            applied,
            storedRows,
            dubanSeconds: round(dubanMs / 1000, 1),
            bareSeconds: round(bareMs / 1000, 1),
            workflows: WORKFLOWS,
          },
        },
      ],
    };
  } finally {
    worker.shutdown();
    await running.catch(() => undefined);
    await bare.end().catch(() => undefined);
    await Promise.allSettled([env.teardown(), imap.stop(), db.drop()]);
    rmSync(home, { recursive: true, force: true });
  }
});
