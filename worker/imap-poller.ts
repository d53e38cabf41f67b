// Reads IMAP_URL (imapflow) for replies. Each poll takes the unseen messages
// of the mailbox since MAIL_SINCE (a mailbox used before Duban is not read
// into the past) in batches: a batch is fetched, stored raw in one statement
// (lib/inbound/ingest.ts storeRawBatch), marked \Seen — stored, it cannot be
// lost, and a crash from here on leaves it pending in the database, where
// the next drain takes it — and then taken to its outcome (takeIn). The
// Message-ID key makes a copy, or a message fetched twice, one message.
import { ImapFlow } from 'imapflow';
import { decodeMimeWords, plainAddresses, rawHeaderBytes, stripNul } from '../lib/mail/parse/index.ts';
import { DEFAULT_LIMITS, type Config, type Limits } from '../lib/config.ts';
import {
  inboundKey,
  storeRawBatch,
  takeIn,
  type InboundDeps,
  type InboundOutcome,
  type StoredMessage,
} from '../lib/inbound/ingest.ts';

export interface PollResult {
  fetched: number;
  /** one per fetched message, in the mailbox's order (a copy answers as a duplicate) */
  outcomes: InboundOutcome[];
  /** stored but not finished (a workflow out of reach): the next drain tries again */
  retry: number;
  /** unseen messages left in the mailbox (more than one poll takes) */
  waiting: number;
}

export interface ImapPoller {
  /** poll now (also what the timer calls); polls never overlap */
  pollNow(): Promise<PollResult>;
  stop(): Promise<void>;
}

export interface ImapTarget {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
  mailbox: string;
}

/** imap://user:pass@host:port/Mailbox (mailbox defaults to INBOX). */
export function imapTarget(url: string): ImapTarget {
  const u = new URL(url);
  const secure = u.protocol === 'imaps:';
  return {
    host: u.hostname,
    port: Number(u.port || (secure ? 993 : 143)),
    secure,
    user: decodeURIComponent(u.username),
    pass: decodeURIComponent(u.password),
    mailbox: decodeURIComponent(u.pathname.replace(/^\/+/, '')) || 'INBOX',
  };
}

/** China Standard Time midnight of MAIL_SINCE. */
function sinceDate(since: string | undefined): Date | undefined {
  return since ? new Date(`${since}T00:00:00+08:00`) : undefined;
}

/** Why the mailbox could not be read, in Chinese, from imapflow's error (its text is English). */
export function imapFailure(err: unknown, target?: ImapTarget): string {
  const e = err as { code?: string; authenticationFailed?: boolean; responseText?: string; message?: string };
  const where = target ? `${target.host}:${target.port}` : '邮件服务器';
  if (e?.authenticationFailed) return `登录 ${where} 失败：用户名或密码不正确（IMAP_URL）`;
  switch (e?.code) {
    case 'ECONNREFUSED':
      return `无法连接 ${where}：连接被拒绝（服务器未运行或端口不对）`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `无法连接 ${where}：找不到该主机名`;
    case 'ETIMEDOUT':
    case 'ETIMEOUT':
    case 'CONNECT_TIMEOUT':
    case 'GREETING_TIMEOUT':
      return `连接 ${where} 超时`;
    case 'ECONNRESET':
    case 'EPIPE':
    case 'NoConnection':
      return `与 ${where} 的连接中断`;
    case 'NONEXISTENT':
      return `邮箱 ${target?.mailbox ?? ''} 不存在（IMAP_URL 的路径部分）`;
    default:
      return `读取 ${where} 的邮件出错${e?.code ? `（${e.code}）` : ''}：${e?.responseText || e?.message || String(err)}`;
  }
}

/**
 * Messages over MAIL_MAX_BYTES: only their header block is fetched and kept
 * (the office sees sender and subject on /inbox, refused with the reason),
 * the message marked \Seen and left in the mailbox, whole, for a person.
 */
async function keepOversized(
  client: ImapFlow,
  deps: InboundDeps,
  big: { uid: number; size?: number }[],
  limit: number,
): Promise<void> {
  const heads = await client.fetchAll(
    big.map((m) => m.uid),
    { uid: true, headers: true },
    { uid: true },
  );
  const now = deps.now?.() ?? Date.now();
  const raws = heads.map((h) => {
    const raw = h.headers ?? Buffer.alloc(0);
    return { messageId: inboundKey(raw), source: 'imap' as const, raw, receivedAt: now };
  });
  const stored = await storeRawBatch(deps.prisma, raws);
  for (const [i, row] of stored.entries()) {
    if (!row.created) continue;
    const size = big.find((m) => m.uid === heads[i]!.uid)?.size ?? 0;
    const raw = raws[i]!.raw;
    const from = rawHeaderBytes(raw, 'from');
    const subject = rawHeaderBytes(raw, 'subject');
    await deps.prisma.inboundMessage.update({
      where: { id: row.id },
      data: {
        outcome: 'refused',
        reason: `邮件有 ${size} 字节，超过 ${limit} 字节的上限（MAIL_MAX_BYTES）：只保存了邮件头，正文未下载，原邮件仍在邮箱中`,
        fromAddr: from ? (plainAddresses(stripNul(from))[0] ?? null) : null,
        subject: subject === undefined ? null : stripNul(decodeMimeWords(subject)).trim().slice(0, 500),
      },
    });
  }
  await client.messageFlagsAdd(
    big.map((m) => m.uid),
    ['\\Seen'],
    { uid: true },
  );
}

export async function pollOnce(
  config: Pick<Config, 'imap'> & { limits?: Limits },
  deps: InboundDeps,
  options: { batch?: number; max?: number } = {},
): Promise<PollResult> {
  const batch = options.batch ?? 250;
  const max = options.max ?? 5_000;
  if (!config.imap.url) throw new Error('未配置 IMAP_URL');
  const target = imapTarget(config.imap.url);
  const client = new ImapFlow({
    host: target.host,
    port: target.port,
    secure: target.secure,
    auth: { user: target.user, pass: target.pass },
    logger: false,
    // plain IMAP on loopback in tests and the embedded stack
    tls: { rejectUnauthorized: target.host !== '127.0.0.1' && target.host !== 'localhost' },
  });
  // a connection the server drops between commands is an error event, not a crash
  client.on('error', () => undefined);
  const result: PollResult = { fetched: 0, outcomes: [], retry: 0, waiting: 0 };
  await client.connect();
  try {
    const lock = await client.getMailboxLock(target.mailbox);
    try {
      const since = sinceDate(config.imap.since);
      const uids = (await client.search({ seen: false, ...(since ? { since } : {}) }, { uid: true })) || [];
      const taken = uids.slice(0, max);
      result.waiting = uids.length - taken.length;
      for (let i = 0; i < taken.length; i += batch) {
        const slice = taken.slice(i, i + batch);
        // sizes first: a message over MAIL_MAX_BYTES is never downloaded whole
        const limit = (config.limits ?? DEFAULT_LIMITS).mailBytes;
        const sized = await client.fetchAll(slice, { uid: true, size: true }, { uid: true });
        const small = sized.filter((m) => (m.size ?? 0) <= limit).map((m) => m.uid);
        const big = sized.filter((m) => (m.size ?? 0) > limit);
        if (big.length) await keepOversized(client, deps, big, limit);
        result.fetched += big.length;
        // fetch the batch first: imapflow forbids other commands inside a fetch loop
        const messages = small.length
          ? await client.fetchAll(small, { uid: true, source: true, internalDate: true }, { uid: true })
          : [];
        const early: number[] = [];
        const todo = messages.filter((m) => {
          if (!m.source) return false;
          const internal = m.internalDate ? new Date(m.internalDate) : undefined;
          // IMAP SINCE is by day in the server's zone; drop what is still earlier (left unseen)
          if (since && internal && internal < since) {
            early.push(m.uid);
            return false;
          }
          return true;
        });
        const now = deps.now?.() ?? Date.now();
        const raws = todo.map((m) => ({
          messageId: inboundKey(m.source!),
          source: 'imap' as const,
          raw: m.source!,
          receivedAt: now,
        }));
        // 1. kept, 2. seen, 3. taken to an outcome
        const results = await storeRawBatch(deps.prisma, raws);
        // each under the key it was kept under (a reused Message-ID has its own)
        raws.forEach((raw, i) => (raw.messageId = results[i]!.messageId));
        const stored = new Map(results.map((s) => [s.messageId, s]));
        if (todo.length)
          await client.messageFlagsAdd(
            todo.map((m) => m.uid),
            ['\\Seen'],
            { uid: true },
          );
        const pending = new Map<string, StoredMessage>();
        for (const raw of raws) {
          const row = stored.get(raw.messageId)!;
          if (row.outcome === 'pending' && !pending.has(raw.messageId))
            pending.set(raw.messageId, { ...raw, id: row.id });
        }
        const outcomes = new Map(
          (await takeIn(deps, [...pending.values()])).map((outcome) => [outcome.messageId, outcome]),
        );
        const answered = new Set<string>();
        for (const raw of raws) {
          const outcome = outcomes.get(raw.messageId);
          result.fetched++;
          if (outcome && !answered.has(raw.messageId)) {
            answered.add(raw.messageId);
            result.outcomes.push(outcome);
            if (outcome.outcome === 'pending') result.retry++;
          } else if (outcome) result.outcomes.push({ ...outcome, duplicate: true });
          else {
            // a message finished before (seen again: a second copy, a restore)
            const row = stored.get(raw.messageId)!;
            result.outcomes.push({
              id: row.id,
              messageId: raw.messageId,
              outcome: row.outcome as InboundOutcome['outcome'],
              duplicate: true,
            });
          }
        }
      }
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  return result;
}

/**
 * Polls every IMAP_POLL_SECONDS on its own (the test of a poller alone;
 * the worker runs intake.ts, which also drains and reports the mailbox).
 */
export function startImapPoller(
  config: Pick<Config, 'imap'>,
  deps: InboundDeps,
  options: { onError?: (err: Error) => void; onPoll?: (r: PollResult) => void } = {},
): ImapPoller {
  let running: Promise<PollResult> | undefined;
  let stopped = false;
  const pollNow = () => {
    running ??= pollOnce(config, deps).finally(() => {
      running = undefined;
    });
    return running;
  };
  const tick = () => {
    if (stopped) return;
    pollNow().then(
      (r) => options.onPoll?.(r),
      (err: Error) =>
        (options.onError ?? ((e: Error) => process.stderr.write(`IMAP 收信失败：${imapFailure(e)}\n`)))(err),
    );
  };
  const timer = setInterval(tick, config.imap.pollSeconds * 1000);
  setImmediate(tick);
  return {
    pollNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
