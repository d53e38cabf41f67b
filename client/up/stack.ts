// `duban up`: the embedded stack in one supervised process tree.
//   Temporal dev server (child process, SQLite history under DUBAN_HOME)
//   → database (PGlite under DUBAN_HOME, served on a loopback port for other
//     duban commands; or DATABASE_URL) with migrations applied
//   → SMTP catcher (every outgoing mail kept as .eml; replies to the inbox
//     are stored as inbound messages and the worker's intake is nudged)
//   → worker (task workflows and activities, and intake: the catcher's
//     replies, IMAP_URL when set — the same code as `duban worker`)
//   → web server.
// Each part that is configured externally (TEMPORAL_ADDRESS, DATABASE_URL,
// SMTP_URL) is used instead of being started. Stopping (Ctrl-C) unwinds in
// reverse; running again resumes: workflows, data and mail live under DUBAN_HOME.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { openDatabase, pidAlive, type Database } from '../../lib/db.ts';
import type { Config } from '../../lib/config.ts';
import { startEmbeddedTemporal } from './temporal-dev-server.ts';
import { startSmtpCatcher } from './smtp-catcher.ts';
import { connectClient } from '../../lib/temporal.ts';
import { startWebServer } from '../web/server.ts';
import { ensureFirstAccount, type FirstAccount } from '../web/auth/accounts.ts';
import { runWorker } from '../../worker/run-worker.ts';
import { inboundKey, storeRaw, type InboundDeps } from '../../lib/inbound/ingest.ts';
import type { Intake } from '../../worker/intake.ts';
import { ensureSampleImported } from '../import/index.ts';
import { startTaskSet } from '../start/start-task-set.ts';

/** The day 沙坪坝区 published the sample table (data/sample/shapingba-2022). */
export const SAMPLE_STARTS_ON = '2022-01-21';

export interface StackAddresses {
  /** the office's desk */
  web: string;
  /** the units' listener (reply form, units' guide) */
  public: string;
  temporal: string;
  temporalUi?: string;
  smtp: string;
  database: string;
  home: string;
}

export interface Stack {
  addresses: StackAddresses;
  db: Database;
  client: Client;
  /** resolves when the worker stops (it should not, until stop()) */
  workerDone: Promise<void>;
  /** the first office account, when this run made it (embedded database only) */
  firstAccount: FirstAccount;
  stop(): Promise<void>;
}

export type Log = (line: string) => void;

/** One `duban up` per DUBAN_HOME: a second one would fight over ports and files. */
function takeUpLock(config: Config): () => void {
  mkdirSync(config.home, { recursive: true });
  const file = path.join(config.home, 'up.pid');
  try {
    const pid = Number(readFileSync(file, 'utf8'));
    if (pid && pid !== process.pid && pidAlive(pid)) {
      throw new Error(
        `duban up 已在运行（进程 ${pid}，目录 ${config.home}）。先停止它（Ctrl-C），或用另一个 DUBAN_HOME。`,
      );
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  writeFileSync(file, String(process.pid));
  return () => rmSync(file, { force: true });
}

export async function startStack(config: Config, log: Log): Promise<Stack> {
  const stoppers: { name: string; stop: () => Promise<void> | void }[] = [];
  const stopAll = async () => {
    while (stoppers.length) {
      const s = stoppers.pop()!;
      try {
        await s.stop();
      } catch (err) {
        log(`停止 ${s.name} 时出错：${(err as Error).message}`);
      }
    }
  };
  try {
    stoppers.push({ name: '锁', stop: takeUpLock(config) });

    let temporalUi: string | undefined;
    if (config.temporal.embedded) {
      log(`启动 Temporal 开发服务器（历史记录：${path.join(config.home, 'temporal.db')}）…`);
      const temporal = await startEmbeddedTemporal(config);
      stoppers.push({ name: 'Temporal', stop: () => temporal.stop() });
      temporalUi = temporal.uiUrl;
    }

    log('打开数据库并执行迁移…');
    const db = await openDatabase(config, {
      servePort: config.database.url ? undefined : config.database.servePort,
    });
    stoppers.push({ name: '数据库', stop: () => db.close() });
    if (db.migrations?.applied.length) log(`  已执行迁移：${db.migrations.applied.join('、')}`);

    const client = await connectClient(config);
    stoppers.push({ name: 'Temporal 客户端', stop: () => client.connection.close() });

    const inboundDeps: InboundDeps = { prisma: db.prisma, client, config };

    // A reply the catcher takes is stored at once (it cannot be lost) and
    // intake, the worker's, takes it to its workflow: the path IMAP takes.
    const intake: { current?: Intake } = {};
    if (config.smtp.embedded) {
      const catcher = await startSmtpCatcher(config, {
        onReply: async (raw) => {
          await storeRaw(db.prisma, inboundKey(raw), 'smtp', raw, Date.now());
          intake.current?.nudge();
        },
        onError: (err) => log(`邮件收集器：${err.message}`),
      });
      stoppers.push({ name: '邮件收集器', stop: () => catcher.close() });
    }

    log('启动 worker…');
    const worker = await runWorker(config, db, {
      client,
      catcher: config.smtp.embedded,
      notice: log,
    });
    intake.current = worker.intake;
    stoppers.push({ name: 'worker', stop: () => worker.stop() });
    const workerDone = worker.done;

    const web = await startWebServer({ config, db, client, inbound: inboundDeps });
    stoppers.push({ name: '网页', stop: () => web.close() });
    // the embedded stack's first office account (production makes its own with duban user add)
    const firstAccount: FirstAccount = config.database.url
      ? { created: false, accounts: await db.prisma.user.count() }
      : await ensureFirstAccount(db.prisma, config.web.adminPassword);

    if (config.loadSample) {
      const sample = await ensureSampleImported(db);
      if (sample.imported) {
        log(`首次运行：已导入示例任务集 ${sample.taskSetId}，正在启动其工作流…`);
        // The sample is 2022's table: its workflows run on a clock that starts
        // on the day it was published, so a newcomer sees the year unfold
        // (交办 now, the first 请报 on "2022-02-15") instead of a year whose
        // every deadline has passed closing within a minute.
        const clockOffsetMs = Date.parse(`${SAMPLE_STARTS_ON}T09:00:00+08:00`) - Date.now();
        const started = await startTaskSet(client, db.prisma, sample.taskSetId, config, undefined, {
          clockOffsetMs,
        });
        log(`  已启动 ${started.started} 项任务的工作流`);
      }
    }

    return {
      addresses: {
        web: web.url,
        public: web.publicUrl,
        temporal: config.temporal.address,
        temporalUi,
        smtp: config.smtp.url,
        database: db.location,
        home: config.home,
      },
      db,
      client,
      workerDone,
      firstAccount,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
