// Intake wherever the worker runs (`duban worker`, and `duban up`, which runs
// the same worker code): every IMAP_POLL_SECONDS — or at once when nudged
// (the embedded catcher just stored a reply) — one round:
//   1. take the stored messages still pending (lib/inbound/ingest.ts
//      drainPending: the catcher's and `duban inbox ingest`'s new mail, a
//      crash between storing and finishing, a workflow out of reach before);
//   2. poll IMAP_URL, when set (worker/imap-poller.ts);
//   3. write what happened to MailboxStatus (last poll, last success, the
//      last failure in Chinese, how many messages wait), which /health and
//      `duban health` report.
// Several worker replicas share one PostgreSQL: a round runs only under the
// session advisory lock INTAKE_LOCK, taken with pg_try_advisory_lock on a
// connection of its own, so they poll once between them; a replica that
// does not get it skips the round. PGlite has one process anyway.
import pg from 'pg';
import type { Client } from '@temporalio/client';
import type { Config } from '../lib/config.ts';
import type { Database } from '../lib/db.ts';
import { messageOf } from '../lib/errors.ts';
import { countPending, drainPending, type InboundDeps, type InboundOutcome } from '../lib/inbound/ingest.ts';
import { imapFailure, imapTarget, pollOnce } from './imap-poller.ts';

/** pg_try_advisory_lock(classid, objid): "du" "ban" — one lock per database, for intake. */
export const INTAKE_LOCK: [number, number] = [0x6475, 0x62616e];

/** The MailboxStatus row of each way replies arrive. */
export type MailboxId = 'imap' | 'catcher';

export interface IntakeRound {
  /** false: another replica holds the lock, nothing was done */
  ran: boolean;
  drained: InboundOutcome[];
  polled?: { fetched: number; outcomes: InboundOutcome[] };
  /** the IMAP poll's failure, in Chinese */
  error?: string;
  waiting: number;
}

export interface Intake {
  /** a round soon (the catcher stored a message); rounds never overlap */
  nudge(): void;
  /** a round now, and its result */
  roundNow(): Promise<IntakeRound>;
  stop(): Promise<void>;
}

export interface IntakeOptions {
  /** the embedded catcher feeds the pipeline: its mailbox row is "catcher" */
  catcher?: boolean;
  /** where a failed round is told (default stderr), once per new failure */
  notice?: (line: string) => void;
}

/** A lock held for a round, or undefined when another replica holds it. */
type Lock = { release(): Promise<void> };

interface IntakeLock {
  take(): Promise<Lock | undefined>;
  /** closes the lock's own connection */
  close(): Promise<void>;
}

function lockFor(config: Config, db: Database): IntakeLock {
  if (db.kind !== 'postgresql' || !config.database.url)
    return { take: async () => ({ release: async () => undefined }), close: async () => undefined };
  let session: pg.Client | undefined;
  const connect = async () => {
    if (session) return session;
    const client = new pg.Client({ connectionString: config.database.url });
    // the server may close it (restart, failover): the next round opens another
    client.on('error', () => {
      if (session === client) session = undefined;
    });
    await client.connect();
    session = client;
    return client;
  };
  const take = async (): Promise<Lock | undefined> => {
    const client = await connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1, $2) AS locked',
        INTAKE_LOCK,
      );
      if (!rows[0]?.locked) return undefined;
    } catch (err) {
      session = undefined;
      await client.end().catch(() => undefined);
      throw err;
    }
    return {
      release: async () => {
        await client.query('SELECT pg_advisory_unlock($1, $2)', INTAKE_LOCK).catch(() => {
          // a lost session has lost its lock with it
          session = undefined;
          return client.end().catch(() => undefined);
        });
      },
    };
  };
  return {
    take,
    close: async () => {
      await session?.end().catch(() => undefined);
      session = undefined;
    },
  };
}

export function startIntake(
  config: Config,
  db: Database,
  client: Pick<Client, 'workflow'>,
  options: IntakeOptions = {},
): Intake {
  const deps: InboundDeps = { prisma: db.prisma, client, config };
  const notice = options.notice ?? ((line: string) => process.stderr.write(`${line}\n`));
  const mailbox: MailboxId | undefined = config.imap.url ? 'imap' : options.catcher ? 'catcher' : undefined;
  const intakeLock = lockFor(config, db);
  let lastError: string | undefined;
  let running: Promise<IntakeRound> | undefined;
  let again = false;
  let stopped = false;

  const round = async (): Promise<IntakeRound> => {
    const lock = await intakeLock.take();
    if (!lock) return { ran: false, drained: [], waiting: 0 };
    try {
      const startedAt = new Date();
      const drained = await drainPending(deps);
      let polled: IntakeRound['polled'];
      let error: string | undefined;
      let unseen = 0;
      if (config.imap.url) {
        try {
          const result = await pollOnce(config, deps);
          polled = { fetched: result.fetched, outcomes: result.outcomes };
          unseen = result.waiting;
        } catch (err) {
          error = `IMAP 收信失败：${imapFailure(err, imapTarget(config.imap.url))}`;
        }
      }
      const waiting = unseen + (await countPending(db.prisma));
      if (mailbox) {
        const row = {
          lastPollAt: startedAt,
          lastError: error ?? null,
          waiting,
          ...(error ? {} : { lastSuccessAt: startedAt }),
        };
        await db.prisma.mailboxStatus.upsert({
          where: { id: mailbox },
          create: { id: mailbox, ...row },
          update: row,
        });
      }
      return { ran: true, drained, ...(polled ? { polled } : {}), ...(error ? { error } : {}), waiting };
    } finally {
      await lock.release();
    }
  };

  const roundNow = (): Promise<IntakeRound> => {
    if (running) {
      // one more round after this one: what the nudge was for may have come in meanwhile
      again = true;
      return running;
    }
    running = round()
      .then(
        (result) => {
          if (result.error && result.error !== lastError) notice(result.error);
          if (!result.error && lastError) notice('IMAP 收信已恢复');
          if (result.ran) lastError = result.error;
          return result;
        },
        (err: unknown) => {
          const error = `收信失败：${messageOf(err)}`;
          if (error !== lastError) notice(error);
          lastError = error;
          return { ran: false, drained: [], error, waiting: 0 } satisfies IntakeRound;
        },
      )
      .finally(() => {
        running = undefined;
        if (again && !stopped) {
          again = false;
          void roundNow();
        }
      });
    return running;
  };

  const timer = setInterval(() => void roundNow(), config.imap.pollSeconds * 1000);
  setImmediate(() => {
    if (!stopped) void roundNow();
  });
  return {
    nudge: () => {
      if (!stopped) void roundNow();
    },
    roundNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
      await intakeLock.close();
    },
  };
}
