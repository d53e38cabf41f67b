// What the web's two listeners are built from.
import type { Client } from '@temporalio/client';
import type { Config } from '../../lib/config.ts';
import type { Database } from '../../lib/db.ts';
import type { InboundDeps } from '../../lib/inbound/ingest.ts';
import type { StartOptions } from '../start/start-task-set.ts';
import type { JobRunner } from './jobs.ts';

export interface WebDeps {
  config: Config;
  db: Database;
  /** Temporal: office actions, starting a set, timelines (pages that need it say so without it) */
  client?: Client;
  /** the inbound pipeline (reply form, inbox); default: from config, db and client */
  inbound?: InboundDeps;
  /** how the desk starts a set (the tests: the time-skipping stack's task queue and clock) */
  startOptions?: StartOptions;
}

export interface DeskDeps extends WebDeps {
  inbound: InboundDeps;
  jobs: JobRunner;
}
