// Polls IMAP_URL (imapflow) for replies. Each poll takes the unseen messages
// of the mailbox since MAIL_SINCE (a mailbox used before Duban is not read
// into the past), hands each raw message to the inbound pipeline — which
// stores it before anything else — and only then marks it \Seen. A message
// the pipeline could not finish (Temporal unreachable) stays unseen and is
// taken again at the next poll; the pipeline's Message-ID key makes that safe.
import { ImapFlow } from 'imapflow';
import type { Config } from '../lib/config.ts';
import { ingestRaw, type InboundDeps, type InboundOutcome } from '../lib/inbound/ingest.ts';
import { messageKey } from '../lib/mail/parse/index.ts';

export interface PollResult {
  fetched: number;
  outcomes: InboundOutcome[];
  /** left unseen for the next poll */
  retry: number;
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

export async function pollOnce(
  config: Pick<Config, 'imap'>,
  deps: InboundDeps,
  options: { batch?: number; concurrency?: number } = {},
): Promise<PollResult> {
  const batch = options.batch ?? 200;
  const concurrency = options.concurrency ?? 4;
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
  const result: PollResult = { fetched: 0, outcomes: [], retry: 0 };
  await client.connect();
  try {
    const lock = await client.getMailboxLock(target.mailbox);
    try {
      const since = sinceDate(config.imap.since);
      const uids = (await client.search({ seen: false, ...(since ? { since } : {}) }, { uid: true })) || [];
      for (let i = 0; i < uids.length; i += batch) {
        const slice = uids.slice(i, i + batch);
        // fetch the batch first: imapflow forbids other commands inside a fetch loop
        const messages = await client.fetchAll(
          slice,
          { uid: true, source: true, internalDate: true },
          { uid: true },
        );
        const todo = messages.filter((m) => {
          if (!m.source) return false;
          const internal = m.internalDate ? new Date(m.internalDate) : undefined;
          // IMAP SINCE is by day in the server's zone; drop what is still earlier
          return !(since && internal && internal < since);
        });
        // A few at a time (each waits on the database and Temporal); copies of
        // one message stay in one lane, in order, so the second is seen as a duplicate.
        const lanes = new Map<string, number[]>();
        todo.forEach((m, i) => {
          const key = messageKey(m.source!);
          lanes.set(key, [...(lanes.get(key) ?? []), i]);
        });
        const outcomes: InboundOutcome[] = new Array(todo.length);
        const queue = [...lanes.values()];
        await Promise.all(
          Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
            for (let lane = queue.shift(); lane; lane = queue.shift()) {
              for (const i of lane) outcomes[i] = await ingestRaw(deps, todo[i]!.source!, 'imap');
            }
          }),
        );
        const seen: number[] = [];
        todo.forEach((m, i) => {
          const outcome = outcomes[i]!;
          result.fetched++;
          result.outcomes.push(outcome);
          if (outcome.outcome === 'pending') result.retry++;
          else seen.push(m.uid);
        });
        if (seen.length) await client.messageFlagsAdd(seen, ['\\Seen'], { uid: true });
      }
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  return result;
}

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
        (options.onError ?? ((e: Error) => process.stderr.write(`IMAP 收信失败：${e.message}\n`)))(err),
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
