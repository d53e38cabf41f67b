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
//
// Then the same intake by real `duban worker` processes (issue 12: one and
// two workers on one task queue against the machine's PostgreSQL), once with
// 1 worker and once with 2, each round on its own fresh database, dev server,
// dovecot and SMTP sink: W workers (IMAP_URL set, IMAP_POLL_SECONDS=5) run
// while a synthetic task set (one task per 5 replies) is imported and
// started with its clock just before 09:00 on 15 March 2022, the day March's
// progress request goes out; they send the 交办 notices and the requests.
// Then M replies to those requests (each From the unit it went to, with its
// reply token) are appended to a side folder and moved into INBOX at once —
// the mailbox back after an outage — and the clock runs from the move until
// every reply is an accepted Report row in PostgreSQL (the next intake round
// starts within IMAP_POLL_SECONDS; one worker at a time polls, under the
// intake lock).
//   Duban: the 2-worker round's messages/s; baseline: the 1-worker round's
//          (ratio = 2 workers ÷ 1 worker).
// Nothing done twice: each reply stored once (InboundMessage rows = M), one
// Report row per reply and per stored message, and one `report` signal per
// reply in the workflows' histories.
//   node --import tsx bench/intake.ts [--replies 5000] [--worker-replies 1000] [--workers 1,2]
//        → JSON on stdout (--workers '' leaves the worker rounds out)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { simpleParser } from 'mailparser';
import iconv from 'iconv-lite';
import pg from 'pg';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { localDevEnv } from '../test/helpers/temporal.ts';
import { connectImap, startDovecot } from '../test/helpers/dovecot.ts';
import { reportsQuery } from '../test/fixtures/mail/report-sink-workflow.ts';
import { startSmtpSink } from '../test/helpers/smtp-sink.ts';
import { writeSyntheticTables } from '../test/fixtures/import/synthetic.ts';
import { importTables } from '../client/import/index.ts';
import { startTaskSet } from '../client/start/start-task-set.ts';
import { atChinaTime } from '../workflows/calendar.ts';
import { loadConfig } from '../lib/config.ts';
import { signReplyToken } from '../lib/mail/tokens.ts';
import { pollOnce } from '../worker/imap-poller.ts';
import { installQuietRuntime } from '../lib/temporal.ts';
import { reportSignal } from '../workflows/messages.ts';
import type { ReportInput } from '../workflows/types.ts';
import { startDubanWorkers, type DubanWorkers, type WorkerMemory } from './duban-workers.ts';
import { benchmarkMain, progress, rate, ratio, round, type BenchResult, type Figure } from './lib.ts';

const { values } = parseArgs({
  options: {
    replies: { type: 'string', default: '5000' },
    'worker-replies': { type: 'string', default: '1000' },
    workers: { type: 'string', default: '1,2' },
  },
});
const N = Number(values.replies);
const M = Number(values['worker-replies']);
const say = progress('intake');

const SECRET = 'bench-secret-0123456789abcdef0123456789ab';
const WORKFLOWS = 10;
const UNIT = '区发展改革委';
const UNIT_EMAIL = 'fgw@cq-spb.test';

function reply(
  i: number,
  token: string,
  gbk: boolean,
  options: { from?: string; messageId?: string; statuses?: string[] } = {},
): Buffer {
  const statuses = options.statuses ?? ['推进中', '完成', '滞后', '部分完成'];
  const body = `状态：${statuses[i % statuses.length]}\n进度：${i % 101}%\n原因：第${i}份测试回复。\n\n本月完成项目前期手续，已开工建设。\n\n------------------ 原始邮件 ------------------\n发件人: "区政府督查室"<duban@duban.test>;\n发送时间: 2022年6月15日(星期三) 上午9:00\n\n请于2022年6月27日前报送进展情况。\n第一行写“状态：××”。\n`;
  const charset = gbk ? 'gb2312' : 'utf-8';
  const bytes = gbk ? iconv.encode(body, 'gb18030') : Buffer.from(body);
  return Buffer.from(
    [
      `From: ${options.from ?? UNIT_EMAIL}`,
      `To: duban+${token}@duban.test`,
      `Subject: =?UTF-8?B?${Buffer.from(`回复：关于报送进展情况的通知（第${i}份）`).toString('base64')}?=`,
      'Date: Thu, 16 Jun 2022 10:12:33 +0800',
      `Message-ID: <${options.messageId ?? `bench-${i}@cq-spb.test`}>`,
      'MIME-Version: 1.0',
      `Content-Type: text/plain; charset="${charset}"`,
      'Content-Transfer-Encoding: base64',
      '',
      bytes.toString('base64').replace(/(.{76})/g, '$1\r\n'),
      '',
    ].join('\r\n'),
  );
}

/** One intake round in this process (pollOnce), against the bare pipeline. */
async function pollOnceRound(): Promise<Figure> {
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
    const appender = await connectImap(imap);
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
    const fetcher = await connectImap(imap);
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
    };
  } finally {
    worker.shutdown();
    await running.catch(() => undefined);
    await bare.end().catch(() => undefined);
    await Promise.allSettled([env.teardown(), imap.stop(), db.drop()]);
    rmSync(home, { recursive: true, force: true });
  }
}

interface WorkersRound {
  workers: number;
  replies: number;
  tasks: number;
  /** March requests due (lead units), and sent (the rest skipped March: first task late) */
  requests: number;
  requestsSent: number;
  seconds: number;
  perSecond: number;
  /** InboundMessage rows (one per reply) */
  storedRows: number;
  /** Report rows, and how many distinct stored messages they came from */
  reportRows: number;
  reportsFromDistinctMessages: number;
  /** `report` signals in the workflows' histories */
  reportSignals: number;
  memory: WorkerMemory[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** M replies in dovecot drained by `count` real `duban worker` processes into accepted Report rows. */
async function workersRound(
  count: number,
  files: { tasksFile: string; unitsFile: string },
): Promise<WorkersRound> {
  const tag = `${count} 个 worker`;
  const tasks = Math.max(1, Math.ceil(M / 5));
  const home = mkdtempSync(path.join(tmpdir(), 'duban-bench-intake-workers-'));
  const [env, db, sink, imap] = await Promise.all([
    localDevEnv(),
    createTestDatabase('duban_bench'),
    startSmtpSink(),
    startDovecot(),
  ]);
  let workers: DubanWorkers | undefined;
  try {
    say(`${tag}：导入 ${tasks} 项任务`);
    const imported = await importTables(db, {
      ...files,
      year: 2022,
      name: 'bench-intake',
      id: '2022-intake',
    });
    if (imported.errors.length) throw new Error(JSON.stringify(imported.errors.slice(0, 3)));
    const vars: Record<string, string> = {
      DUBAN_HOME: home,
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: 'bench-intake-workers',
      SMTP_URL: sink.url,
      TOKEN_SECRET: SECRET,
    };
    const config = loadConfig(vars);
    const requests = await db.prisma.assignment.count({
      where: { role: 'lead', active: true, task: { taskSetId: imported.taskSetId } },
    });

    // The round's workers run from the start (IMAP_URL set, an empty INBOX),
    // so each workflow's clock — its first task's time + the offset — begins
    // before 09:00 and March's request, due at 09:00, is kept; they send the
    // notices and the requests.
    workers = startDubanWorkers(count, { ...vars, IMAP_URL: imap.url, IMAP_POLL_SECONDS: '5' });
    while (!workers.startedAt()) {
      workers.check();
      await sleep(100);
    }
    const margin = 20_000 + tasks * 100;
    const offset = atChinaTime('2022-03-15', '09:00') - margin - Date.now();
    const started = await startTaskSet(
      env.client,
      db.prisma,
      imported.taskSetId,
      config,
      (done, total) => say(`${tag}：启动工作流`, done, total),
      { clockOffsetMs: offset, concurrency: 32 },
    );
    if (started.started !== tasks) throw new Error(`started ${started.started} of ${tasks}`);
    // A workflow whose first task ran after 09:00 on its clock (a busy
    // machine: a first task timed out and ran again) skips March; the replies
    // go to the requests that were sent, once no more come.
    // the moment the workflows' clocks read 09:00
    const nineOClock = atChinaTime('2022-03-15', '09:00') - offset;
    const deadline = nineOClock + 5 * 60_000;
    let sent = 0;
    let last = { sent: -1, at: 0 };
    for (;;) {
      sent = await db.prisma.sentMail.count({ where: { kind: 'request' } });
      if (sent !== last.sent) last = { sent, at: Date.now() };
      if (sent === requests) break;
      if (sent > 0 && Date.now() > nineOClock && Date.now() - last.at > 15_000) break;
      workers.check();
      if (Date.now() > deadline) throw new Error(`只发出 ${sent}/${requests} 封请报通知`);
      say(`${tag}：发出 3 月请报通知`, sent, requests);
      await sleep(500);
    }

    // ---- the backlog: M replies to those requests, from the units they went
    // to, put aside in a folder and moved into INBOX at once (the mailbox
    // coming back after an outage)
    const rows = await db.prisma.sentMail.findMany({
      where: { kind: 'request' },
      select: { toAddrs: true, replyToken: true },
      orderBy: { id: 'asc' },
    });
    const mailbox = await connectImap(imap);
    await mailbox.mailboxCreate('Backlog');
    for (let i = 0; i < M; i++) {
      const row = rows[i % rows.length]!;
      await mailbox.append(
        'Backlog',
        reply(i, row.replyToken!, i % 2 === 0, {
          from: row.toAddrs[0]!,
          messageId: `bench-${count}w-${i}@units.test`,
          // a monthly report; 完成 would start the task's closing
          statuses: ['推进中', '滞后'],
        }),
      );
      say(`${tag}：写入 IMAP 邮箱`, i + 1, M);
    }
    const lock = await mailbox.getMailboxLock('Backlog');
    let t0: number;
    try {
      t0 = performance.now();
      await mailbox.messageMove('1:*', 'INBOX');
    } finally {
      lock.release();
    }
    await mailbox.logout();

    // ---- the round: until every reply is an accepted report
    let accepted = 0;
    const until = Date.now() + 20 * 60_000;
    while ((accepted = await db.prisma.report.count({ where: { accepted: true } })) < M) {
      workers.check();
      const refused = await db.prisma.report.findFirst({ where: { accepted: false } });
      if (refused) throw new Error(`报告被拒：${refused.refusalReason}`);
      if (Date.now() > until) throw new Error(`20 分钟内只有 ${accepted}/${M} 份报告写入`);
      say(`${tag}：回复成为报告`, accepted, M);
      workers.sample();
      await sleep(250);
    }
    const ms = performance.now() - t0;
    say(`${tag}：回复成为报告`, accepted, M);
    // anything done twice comes late: wait a little, then count
    await sleep(3000);
    workers.sample();
    await workers.stop();
    const storedRows = await db.prisma.inboundMessage.count();
    const reportRows = await db.prisma.report.count();
    const fromMessages = await db.prisma.report.groupBy({ by: ['inboundMessageId'] });
    let reportSignals = 0;
    for (const workflowId of started.workflowIds) {
      const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
      reportSignals += (history.events ?? []).filter(
        (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'report',
      ).length;
    }
    return {
      workers: count,
      replies: M,
      tasks,
      requests,
      requestsSent: sent,
      seconds: round(ms / 1000, 1),
      perSecond: rate(M, ms),
      storedRows,
      reportRows,
      reportsFromDistinctMessages: fromMessages.length,
      reportSignals,
      memory: workers.memory,
    };
  } finally {
    await workers?.stop();
    await Promise.allSettled([env.teardown(), db.drop(), sink.close(), imap.stop()]);
    rmSync(home, { recursive: true, force: true });
  }
}

const once = (r: WorkersRound) =>
  r.storedRows === r.replies &&
  r.reportRows === r.replies &&
  r.reportsFromDistinctMessages === r.replies &&
  r.reportSignals === r.replies;

benchmarkMain(import.meta.url, async (): Promise<BenchResult> => {
  installQuietRuntime();
  const figures: Figure[] = [await pollOnceRound()];
  const counts = values.workers ? values.workers.split(',').map(Number) : [];
  if (counts.length) {
    const dir = mkdtempSync(path.join(tmpdir(), 'duban-bench-intake-csv-'));
    try {
      const files = await writeSyntheticTables(dir, Math.max(1, Math.ceil(M / 5)));
      const rounds: WorkersRound[] = [];
      for (const w of counts) rounds.push(await workersRound(w, files));
      const one = rounds[0]!;
      for (const r of rounds.length > 1 ? rounds.slice(1) : rounds) {
        const vsOne = r !== one;
        figures.push({
          id: vsOne ? `intake-${r.workers}w` : `intake-${r.workers}w-alone`,
          figure: vsOne
            ? `duban worker 收取 ${M} 封积压回复：${r.workers} 个 worker 对 ${one.workers} 个`
            : `duban worker 收取 ${M} 封积压回复：${r.workers} 个 worker`,
          unit: 'msgs/s',
          duban: r.perSecond,
          baseline: vsOne ? one.perSecond : null,
          ratio: vsOne ? ratio(r.perSecond, one.perSecond) : null,
          goal: '0 重复',
          met: once(r) && once(one),
          detail: {
            rounds: rounds.map((x) => ({
              ...x,
              memory: undefined,
              peakMbPerWorker: x.memory.map((m) => m.peakMb),
            })),
          },
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { benchmark: 'intake', seconds: 0, figures };
});
