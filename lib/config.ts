// All of Duban's configuration, read and validated in one place. Every other
// module takes a Config; nothing else reads process.env. A wrong value is one
// clear Chinese message naming the variable (ConfigError), never a stack trace.
import { z } from 'zod';
import { BadInputError } from './errors.ts';
import path from 'node:path';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

/** A wrong environment variable: bad input, named, exit 2. */
export class ConfigError extends BadInputError {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`配置错误：环境变量 ${variable} ${message}`, { variable });
  }
}

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
const flag = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''], { message: '应为 true 或 false' })
    .default(fallback)
    .transform((v) => (v === '' ? fallback === 'true' : v === 'true' || v === '1' || v === 'yes'));
const url = (protocols: string[]) =>
  z
    .string()
    .url()
    .refine((v) => URL.canParse(v) && protocols.includes(new URL(v).protocol.replace(/:$/, '')), {
      message: `应以 ${protocols.map((p) => p + '://').join(' 或 ')} 开头`,
    });
/** A whole number; empty (a compose file's `${X:-}`) means the default, never 0. */
const whole = (fallback: number) =>
  z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number({ message: '应为整数' }).int('应为整数').default(fallback),
  );
const optional = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** The variables, with what each means; `.env.example` documents the same list. */
const schema = z.object({
  DUBAN_HOME: z.string().default('.duban'),
  TEMPORAL_ADDRESS: optional(z.string().regex(/^[\w.-]+:\d+$/, '应为 host:port，例如 127.0.0.1:7233')),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('duban'),
  TEMPORAL_TLS: flag('false'),
  TEMPORAL_TLS_CERT: optional(z.string()),
  TEMPORAL_TLS_KEY: optional(z.string()),
  TEMPORAL_TLS_CA: optional(z.string()),
  TEMPORAL_API_KEY: optional(z.string()),
  TEMPORAL_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  // The SDK's own cache default grows with the heap (about 600 workflows per GB): bounded here.
  WORKER_MAX_CACHED_WORKFLOWS: whole(500).refine(
    (n) => n === 0 || n >= 2,
    '应为 0（不缓存）或不小于 2 的整数',
  ),
  WORKER_MAX_CONCURRENT_ACTIVITIES: whole(20).refine((n) => n >= 1, '应为不小于 1 的整数'),
  DATABASE_URL: optional(url(['postgres', 'postgresql'])),
  EMBEDDED_DB_PORT: port(54329),
  SMTP_URL: optional(url(['smtp', 'smtps'])),
  SMTP_CATCHER_PORT: port(2525),
  IMAP_URL: optional(url(['imap', 'imaps'])),
  IMAP_POLL_SECONDS: z.coerce.number().int().min(5).default(60),
  MAIL_SINCE: optional(z.string().date('应为日期 YYYY-MM-DD')),
  MAIL_FROM: z.string().min(3).default('区政府督查室 <duban@duban.test>'),
  REPLY_INBOX: z
    .string()
    .regex(/^[\w.-]+$/, '应为邮箱本地部分，例如 duban')
    .default('duban'),
  REPLY_DOMAIN: z
    .string()
    .regex(/^[\w.-]+\.[a-z]{2,}$/i, '应为域名，例如 duban.test')
    .default('duban.test'),
  BOUNCE_ADDRESS: optional(z.string().email('应为邮箱地址')),
  OFFICE_EMAIL: z.string().email('应为邮箱地址').default('ducha@duban.test'),
  TOKEN_SECRET: optional(z.string().min(32, '至少 32 个字符')),
  TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(400).default(60),
  WEB_PORT: port(3000),
  WEB_HOST: z.string().default('127.0.0.1'),
  // The office's desk as people reach it: the session cookie is Secure when it is https.
  WEB_URL: optional(url(['http', 'https'])),
  // The units' listener (reply form, units' guide): its own port, reachable from outside.
  PUBLIC_HOST: z.string().default('127.0.0.1'),
  PUBLIC_PORT: optional(z.coerce.number().int().min(1).max(65535)),
  PUBLIC_URL: optional(url(['http', 'https'])),
  // Host names both listeners answer to (DNS rebinding): comma-separated.
  WEB_ALLOWED_HOSTS: optional(
    z
      .string()
      .regex(
        /^\s*[\w.:[\]-]+(\s*,\s*[\w.:[\]-]+)*\s*$/,
        '应为逗号分隔的主机名，例如 duban.example.gov.cn,10.0.0.5',
      ),
  ),
  SESSION_SECRET: optional(z.string().min(32, '至少 32 个字符')),
  SESSION_HOURS: z.coerce
    .number()
    .int()
    .min(1, '应为 1 到 168 的整数')
    .max(168, '应为 1 到 168 的整数')
    .default(12),
  TEMPORAL_UI_URL: optional(url(['http', 'https'])),
  DUBAN_ADMIN_PASSWORD: optional(z.string().min(10, '至少 10 个字符')),
  // Hostile input: limits enforced while reading (tables, mail, the reply form).
  IMPORT_MAX_BYTES: whole(50 * 1024 * 1024).refine((n) => n >= 1024, '应为不小于 1024 的整数（字节）'),
  IMPORT_MAX_UNCOMPRESSED_BYTES: whole(200 * 1024 * 1024).refine(
    (n) => n >= 1024,
    '应为不小于 1024 的整数（字节）',
  ),
  IMPORT_MAX_ROWS: whole(100_000).refine((n) => n >= 10, '应为不小于 10 的整数'),
  IMPORT_MAX_COLUMNS: whole(200).refine((n) => n >= 5, '应为不小于 5 的整数'),
  IMPORT_MAX_CELL_CHARS: whole(5_000).refine((n) => n >= 100, '应为不小于 100 的整数'),
  MAIL_MAX_BYTES: whole(50 * 1024 * 1024).refine((n) => n >= 1024, '应为不小于 1024 的整数（字节）'),
  MAIL_MAX_ATTACHMENT_BYTES: whole(20 * 1024 * 1024).refine(
    (n) => n >= 1024,
    '应为不小于 1024 的整数（字节）',
  ),
  DUBAN_SAMPLE: flag('true'),
  DUBAN_DEBUG: flag('false'),
});

/** Every environment variable Duban reads (documented in .env.example and the README). */
export const CONFIG_VARIABLES = Object.keys(schema.shape);

/** Limits on what Duban reads from outside, each enforced while reading. */
export interface Limits {
  /** a table file's bytes (CSV as read; XLSX as stored) */
  importBytes: number;
  /** an XLSX's parts once inflated, summed from its zip directory before anything is inflated */
  importUncompressedBytes: number;
  /** rows of a table */
  importRows: number;
  /** columns of a table */
  importColumns: number;
  /** characters of one cell */
  cellChars: number;
  /** one mail as received (the catcher's SIZE, IMAP, `inbox ingest`) */
  mailBytes: number;
  /** one attachment of a reply (mail or form) */
  attachmentBytes: number;
}

/** The limits when nothing is configured (the same defaults as the variables). */
export const DEFAULT_LIMITS: Limits = {
  importBytes: 50 * 1024 * 1024,
  importUncompressedBytes: 200 * 1024 * 1024,
  importRows: 100_000,
  importColumns: 200,
  cellChars: 5_000,
  mailBytes: 50 * 1024 * 1024,
  attachmentBytes: 20 * 1024 * 1024,
};

export type Config = {
  home: string;
  temporal: {
    address: string;
    embedded: boolean;
    namespace: string;
    taskQueue: string;
    tls: boolean;
    tlsCert?: string;
    tlsKey?: string;
    tlsCa?: string;
    apiKey?: string;
    port: number;
    uiPort: number;
  };
  /** the worker process's limits (worker/run-worker.ts) */
  worker: {
    /** workflows kept in memory between their tasks; 0: none (every task replays its history) */
    maxCachedWorkflows: number;
    /** activities (database writes, mail) run at the same time */
    maxConcurrentActivities: number;
  };
  database: { url?: string; embeddedDir: string; servePort: number };
  smtp: { url: string; embedded: boolean; catcherPort: number };
  imap: { url?: string; pollSeconds: number; since?: string };
  mail: { from: string; replyInbox: string; replyDomain: string; bounceAddress: string; officeEmail: string };
  tokens: { secret: string; ttlDays: number };
  web: {
    /** the office's desk: sign-in, dashboard, tasks, inbox, mail, reports */
    port: number;
    host: string;
    /** the desk's address as people reach it */
    url: string;
    /** the units' listener: only /reply/<token>, /help/units and its style */
    publicPort: number;
    publicHost: string;
    /** the address units reach the reply form at, used in mail links */
    publicUrl: string;
    /** Host header values both listeners answer to (lower case, without port) */
    allowedHosts: string[];
    /** signs the session and CSRF cookies */
    sessionSecret: string;
    sessionHours: number;
    /** a link to a workflow in the Temporal UI; none when unknown */
    temporalUiUrl?: string;
    /** embedded stack only: the first office account's password */
    adminPassword?: string;
  };
  /** what Duban reads from outside, bounded while it reads (hostile input) */
  limits: Limits;
  loadSample: boolean;
  /** stack traces and connection notices on stderr */
  debug: boolean;
};

/** Reads and validates the environment. Throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0]);
    throw new ConfigError(variable, `的值 ${JSON.stringify(env[variable] ?? '')} 无效：${issue.message}`);
  }
  const e = parsed.data;
  const home = path.resolve(e.DUBAN_HOME);
  if (e.TEMPORAL_TLS && Boolean(e.TEMPORAL_TLS_CERT) !== Boolean(e.TEMPORAL_TLS_KEY)) {
    throw new ConfigError(
      e.TEMPORAL_TLS_CERT ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT',
      '须与另一个一同设置（客户端证书和私钥）',
    );
  }
  for (const name of ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA'] as const) {
    const file = e[name];
    if (file && !existsSync(file)) throw new ConfigError(name, `指向的文件不存在：${file}`);
  }
  const embeddedTemporal = !e.TEMPORAL_ADDRESS;
  const tokenSecret = e.TOKEN_SECRET ?? embeddedSecret(home, env);
  return {
    home,
    temporal: {
      address: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.TEMPORAL_PORT}`,
      embedded: embeddedTemporal,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      tls: e.TEMPORAL_TLS,
      tlsCert: e.TEMPORAL_TLS_CERT,
      tlsKey: e.TEMPORAL_TLS_KEY,
      tlsCa: e.TEMPORAL_TLS_CA,
      apiKey: e.TEMPORAL_API_KEY,
      port: e.TEMPORAL_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
    },
    worker: {
      maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
      maxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
    },
    database: { url: e.DATABASE_URL, embeddedDir: path.join(home, 'pgdata'), servePort: e.EMBEDDED_DB_PORT },
    smtp: {
      url: e.SMTP_URL ?? `smtp://127.0.0.1:${e.SMTP_CATCHER_PORT}`,
      embedded: !e.SMTP_URL,
      catcherPort: e.SMTP_CATCHER_PORT,
    },
    imap: { url: e.IMAP_URL, pollSeconds: e.IMAP_POLL_SECONDS, since: e.MAIL_SINCE },
    mail: {
      from: e.MAIL_FROM,
      replyInbox: e.REPLY_INBOX,
      replyDomain: e.REPLY_DOMAIN,
      bounceAddress: e.BOUNCE_ADDRESS ?? `${e.REPLY_INBOX}-bounces@${e.REPLY_DOMAIN}`,
      officeEmail: e.OFFICE_EMAIL,
    },
    tokens: { secret: tokenSecret, ttlDays: e.TOKEN_TTL_DAYS },
    web: webConfig(e, tokenSecret, embeddedTemporal),
    limits: {
      importBytes: e.IMPORT_MAX_BYTES,
      importUncompressedBytes: e.IMPORT_MAX_UNCOMPRESSED_BYTES,
      importRows: e.IMPORT_MAX_ROWS,
      importColumns: e.IMPORT_MAX_COLUMNS,
      cellChars: e.IMPORT_MAX_CELL_CHARS,
      mailBytes: e.MAIL_MAX_BYTES,
      attachmentBytes: e.MAIL_MAX_ATTACHMENT_BYTES,
    },
    loadSample: e.DUBAN_SAMPLE,
    debug: e.DUBAN_DEBUG,
  };
}

function webConfig(e: z.infer<typeof schema>, tokenSecret: string, embeddedTemporal: boolean): Config['web'] {
  const publicPort = e.PUBLIC_PORT ?? (e.WEB_PORT < 65535 ? e.WEB_PORT + 1 : e.WEB_PORT - 1);
  if (publicPort === e.WEB_PORT && e.PUBLIC_HOST === e.WEB_HOST)
    throw new ConfigError(
      'PUBLIC_PORT',
      `不能与 WEB_PORT 相同（${publicPort}）：单位报送页面单独监听一个端口`,
    );
  const deskUrl = e.WEB_URL ?? `http://localhost:${e.WEB_PORT}`;
  const publicUrl = e.PUBLIC_URL ?? `http://localhost:${publicPort}`;
  const allowedHosts = e.WEB_ALLOWED_HOSTS
    ? e.WEB_ALLOWED_HOSTS.split(',').map((h) => h.trim().toLowerCase())
    : [
        ...new Set([
          new URL(deskUrl).hostname,
          new URL(publicUrl).hostname,
          'localhost',
          '127.0.0.1',
          '[::1]',
        ]),
      ];
  return {
    port: e.WEB_PORT,
    host: e.WEB_HOST,
    url: deskUrl,
    publicPort,
    publicHost: e.PUBLIC_HOST,
    publicUrl,
    allowedHosts,
    // its own secret when given; else derived from the token secret (never the same key twice)
    sessionSecret:
      e.SESSION_SECRET ?? createHmac('sha256', tokenSecret).update('duban web session cookies').digest('hex'),
    sessionHours: e.SESSION_HOURS,
    temporalUiUrl:
      e.TEMPORAL_UI_URL ?? (embeddedTemporal ? `http://localhost:${e.TEMPORAL_UI_PORT}` : undefined),
    adminPassword: e.DUBAN_ADMIN_PASSWORD,
  };
}

/**
 * The limits alone, for a command that needs no other configuration
 * (`duban inbox parse`): reads only the limit variables, writes nothing.
 * Throws ConfigError for a wrong one.
 */
export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): Limits {
  const names = [
    'IMPORT_MAX_BYTES',
    'IMPORT_MAX_UNCOMPRESSED_BYTES',
    'IMPORT_MAX_ROWS',
    'IMPORT_MAX_COLUMNS',
    'IMPORT_MAX_CELL_CHARS',
    'MAIL_MAX_BYTES',
    'MAIL_MAX_ATTACHMENT_BYTES',
  ] as const;
  const parsed = schema
    .pick(Object.fromEntries(names.map((n) => [n, true])) as Record<(typeof names)[number], true>)
    .safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0]);
    throw new ConfigError(variable, `的值 ${JSON.stringify(env[variable] ?? '')} 无效：${issue.message}`);
  }
  const e = parsed.data;
  return {
    importBytes: e.IMPORT_MAX_BYTES,
    importUncompressedBytes: e.IMPORT_MAX_UNCOMPRESSED_BYTES,
    importRows: e.IMPORT_MAX_ROWS,
    importColumns: e.IMPORT_MAX_COLUMNS,
    cellChars: e.IMPORT_MAX_CELL_CHARS,
    mailBytes: e.MAIL_MAX_BYTES,
    attachmentBytes: e.MAIL_MAX_ATTACHMENT_BYTES,
  };
}

/**
 * DUBAN_DEBUG alone: the CLI's error printer needs it even when another
 * variable is wrong and the whole configuration cannot be loaded.
 */
export function debugEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const parsed = schema.shape.DUBAN_DEBUG.safeParse(env.DUBAN_DEBUG);
  return parsed.success ? parsed.data : false;
}

/**
 * Without TOKEN_SECRET the embedded stack makes one and keeps it under
 * DUBAN_HOME, so tokens in mails already sent stay valid after a restart.
 * Production (a DATABASE_URL or SMTP_URL is set) must configure it.
 */
function embeddedSecret(home: string, env: NodeJS.ProcessEnv): string {
  if (env.DATABASE_URL || env.SMTP_URL) {
    throw new ConfigError(
      'TOKEN_SECRET',
      '未设置：连接生产数据库或邮件服务器时必须配置回复令牌密钥（至少 32 个字符）',
    );
  }
  const file = path.join(home, 'token-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(home, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}
