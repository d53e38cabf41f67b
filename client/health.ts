// Each part's health, as the dashboard and `duban health` show it: Temporal
// reachable, database migrated, SMTP accepting, worker polling its queue,
// and the mailbox replies arrive in (the last successful poll, what waits).
import type { Client } from '@temporalio/client';
// @temporalio/proto is CommonJS: Node's ESM loader only offers its default export.
import proto from '@temporalio/proto';

const { temporal } = proto;
import { listMigrations } from '../prisma/migrate.ts';
import type { Database } from '../lib/db.ts';
import type { Config } from '../lib/config.ts';
import { portOpen } from './up/temporal-dev-server.ts';
import { failureWords } from './failure-words.ts';

export interface PartHealth {
  ok: boolean;
  /** Chinese, for people */
  detail: string;
}

export interface Health {
  ok: boolean;
  temporal: PartHealth;
  database: PartHealth;
  smtp: PartHealth;
  worker: PartHealth;
  mailbox: PartHealth & {
    /** imap (IMAP_URL), catcher (the embedded one), or none */
    source: 'imap' | 'catcher' | 'none';
    /** ISO time of the last poll that succeeded, or null */
    lastSuccessAt: string | null;
    /** messages not yet taken in (unseen in the mailbox, or stored and pending) */
    waiting: number | null;
  };
}

/** A check that took too long; its message is already written for people. */
class TimedOut extends Error {}

/**
 * Why a check failed, in Chinese: the libraries' own words (gRPC status
 * text, PostgreSQL's English) are for the log, not for the health page.
 */
export function reasonOf(err: unknown): string {
  if (err instanceof TimedOut) return err.message;
  return failureWords(err) ?? '未知错误（详见 worker 日志）';
}

async function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<T>(
        (_, reject) => (timer = setTimeout(() => reject(new TimedOut(`${ms / 1000} 秒内无响应`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export async function checkTemporal(config: Config, client?: Client): Promise<PartHealth> {
  if (!client) return { ok: false, detail: `未连接：${config.temporal.address} 不可达` };
  try {
    const info = await within(3000, client.workflowService.getSystemInfo({}));
    return {
      ok: true,
      detail: `${config.temporal.address}（命名空间 ${config.temporal.namespace}，服务器 ${info.serverVersion || '开发版'}）`,
    };
  } catch (err) {
    return { ok: false, detail: `${config.temporal.address} 不可达：${reasonOf(err)}` };
  }
}

export async function checkDatabase(db?: Database): Promise<PartHealth> {
  if (!db) return { ok: false, detail: '未打开' };
  try {
    const expected = listMigrations().map((m) => m.name);
    const { rows } = await within(
      3000,
      db.sql.query<{ migration_name: string }>(
        'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      ),
    );
    const applied = new Set(rows.map((r) => r.migration_name));
    const missing = expected.filter((m) => !applied.has(m));
    const kind = db.kind === 'postgresql' ? 'PostgreSQL' : 'PGlite（嵌入式）';
    if (missing.length)
      return { ok: false, detail: `${kind}：还有 ${missing.length} 个迁移未执行（${missing.join('、')}）` };
    return { ok: true, detail: `${kind}，已迁移（${expected.length} 个迁移）：${db.location}` };
  } catch (err) {
    return { ok: false, detail: `查询失败：${reasonOf(err)}` };
  }
}

export async function checkSmtp(config: Config): Promise<PartHealth> {
  const url = new URL(config.smtp.url);
  const port = Number(url.port || (url.protocol === 'smtps:' ? 465 : 587));
  const open = await portOpen(port, url.hostname, 2000);
  const what = config.smtp.embedded
    ? `内置邮件收集器 ${url.hostname}:${port}`
    : `SMTP 服务器 ${url.hostname}:${port}`;
  return open ? { ok: true, detail: `${what} 正在监听` } : { ok: false, detail: `${what} 无法连接` };
}

export async function checkWorker(config: Config, client?: Client): Promise<PartHealth> {
  if (!client) return { ok: false, detail: 'Temporal 未连接' };
  try {
    const res = await within(
      3000,
      client.workflowService.describeTaskQueue({
        namespace: config.temporal.namespace,
        taskQueue: {
          name: config.temporal.taskQueue,
          kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
        },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      }),
    );
    const pollers = res.pollers?.length ?? 0;
    return pollers > 0
      ? { ok: true, detail: `任务队列 ${config.temporal.taskQueue} 有 ${pollers} 个 worker 在轮询` }
      : { ok: false, detail: `任务队列 ${config.temporal.taskQueue} 没有 worker 在轮询` };
  } catch (err) {
    return { ok: false, detail: `查询失败：${reasonOf(err)}` };
  }
}

/** China time, to the second, for people. */
const chinaTime = (d: Date) =>
  new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

/**
 * The mailbox as the worker's intake last left it (MailboxStatus): healthy
 * when its last poll succeeded and was recent (three poll intervals, at
 * least three minutes: a worker that stopped polling shows).
 */
export async function checkMailbox(
  config: Config,
  db?: Database,
  now = Date.now(),
): Promise<Health['mailbox']> {
  const source: Health['mailbox']['source'] = config.imap.url
    ? 'imap'
    : config.smtp.embedded
      ? 'catcher'
      : 'none';
  if (source === 'none')
    return {
      ok: true,
      source,
      lastSuccessAt: null,
      waiting: null,
      detail:
        '未设置 IMAP_URL：不读取单位的邮件回复（单位可用网页表单报送，或用 duban inbox ingest 导入邮件）',
    };
  const what = source === 'imap' ? `IMAP 邮箱 ${new URL(config.imap.url!).hostname}` : '内置邮件收集器';
  if (!db) return { ok: false, source, lastSuccessAt: null, waiting: null, detail: `${what}：数据库未打开` };
  try {
    const row = await within(3000, db.prisma.mailboxStatus.findUnique({ where: { id: source } }));
    const base = {
      source,
      lastSuccessAt: row?.lastSuccessAt?.toISOString() ?? null,
      waiting: row?.waiting ?? null,
    };
    if (!row?.lastPollAt)
      return {
        ok: source === 'catcher',
        ...base,
        detail:
          source === 'catcher'
            ? `${what}：尚未收到回复`
            : `${what}：尚未收信（worker 是否在运行？duban worker 每 ${config.imap.pollSeconds} 秒读取一次）`,
      };
    const waiting = `待处理 ${row.waiting} 封`;
    if (row.lastError)
      return {
        ok: false,
        ...base,
        detail: `${what}：${row.lastError}（${row.lastSuccessAt ? `上次成功 ${chinaTime(row.lastSuccessAt)}` : '从未成功'}，${waiting}）`,
      };
    const stale = Math.max(3 * config.imap.pollSeconds, 180) * 1000;
    const age = now - (row.lastSuccessAt ?? row.lastPollAt).getTime();
    if (source === 'imap' && age > stale)
      return {
        ok: false,
        ...base,
        detail: `${what}：已 ${Math.round(age / 60_000)} 分钟未收信（上次成功 ${chinaTime(row.lastSuccessAt ?? row.lastPollAt)}；worker 是否在运行？），${waiting}`,
      };
    return {
      ok: true,
      ...base,
      detail: `${what}：上次成功收信 ${chinaTime(row.lastSuccessAt ?? row.lastPollAt)}，${waiting}`,
    };
  } catch (err) {
    return {
      ok: false,
      source,
      lastSuccessAt: null,
      waiting: null,
      detail: `查询失败：${reasonOf(err)}`,
    };
  }
}

export async function checkHealth(parts: {
  config: Config;
  db?: Database;
  client?: Client;
}): Promise<Health> {
  const [t, d, s, w, m] = await Promise.all([
    checkTemporal(parts.config, parts.client),
    checkDatabase(parts.db),
    checkSmtp(parts.config),
    checkWorker(parts.config, parts.client),
    checkMailbox(parts.config, parts.db),
  ]);
  return {
    ok: t.ok && d.ok && s.ok && w.ok && m.ok,
    temporal: t,
    database: d,
    smtp: s,
    worker: w,
    mailbox: m,
  };
}
