// docker-compose.yml cannot be run here (no Docker engine), so check what can
// be checked: it parses, it has every service a deployment needs, the worker
// gets the mailbox, every variable it or Duban reads is documented in
// .env.example and the README, and the lock file holds every optional
// package `npm ci` (the Dockerfile's) asks for.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '../../lib/config.ts';

const root = new URL('../../', import.meta.url);
const read = (f: string) => readFileSync(new URL(f, root), 'utf8');

describe('docker-compose.yml', () => {
  const text = read('docker-compose.yml');
  const compose = parse(text, { merge: true }) as {
    services: Record<string, { environment?: Record<string, string>; command?: unknown }>;
  };

  it('has Temporal on PostgreSQL, its UI, PostgreSQL, a mail catcher, Duban worker and web', () => {
    for (const s of [
      'postgresql',
      'temporal',
      'temporal-ui',
      'mailcatcher',
      'duban-worker',
      'duban-web',
      'duban-migrate',
    ]) {
      expect(Object.keys(compose.services)).toContain(s);
    }
    expect(compose.services.temporal!.environment!.DB).toBe('postgres12');
    expect(compose.services['duban-web']!.environment!.DATABASE_URL).toMatch(/^postgresql:\/\//);
  });

  it('documents in .env.example every variable it substitutes, POSTGRES_PASSWORD included', () => {
    const env = read('.env.example');
    const used = new Set([...text.matchAll(/\$\{([A-Z_]+)[:}?-]/g)].map((m) => m[1]!));
    expect(used).toContain('POSTGRES_PASSWORD');
    for (const v of used) expect(env, `${v} missing from .env.example`).toMatch(new RegExp(`^${v}=`, 'm'));
  });

  it('gives duban-worker the mailbox and the mail variables (the worker reads the replies)', () => {
    const worker = compose.services['duban-worker']!;
    expect(worker.command).toEqual(['node', 'bin/duban.js', 'worker']);
    const env = worker.environment!;
    for (const v of [
      'IMAP_URL',
      'IMAP_POLL_SECONDS',
      'MAIL_SINCE',
      'SMTP_URL',
      'MAIL_FROM',
      'OFFICE_EMAIL',
      'BOUNCE_ADDRESS',
      'REPLY_INBOX',
      'REPLY_DOMAIN',
      'TOKEN_SECRET',
      'DATABASE_URL',
      'TEMPORAL_ADDRESS',
    ])
      expect(Object.keys(env), `duban-worker lacks ${v}`).toContain(v);
    expect(env.IMAP_URL).toBe('${IMAP_URL:-}');
    expect(env.IMAP_POLL_SECONDS).toBe('${IMAP_POLL_SECONDS:-60}');
  });
});

describe('package-lock.json', () => {
  it('holds every optional package a locked package names (npm ci refuses the lock otherwise)', () => {
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { optionalDependencies?: Record<string, string> }>;
    };
    const has = (from: string, name: string): boolean => {
      for (let base = from; ;) {
        if (lock.packages[`${base ? `${base}/` : ''}node_modules/${name}`]) return true;
        if (!base) return false;
        const cut = base.lastIndexOf('/node_modules/');
        base = cut < 0 ? '' : base.slice(0, cut);
      }
    };
    const missing = Object.entries(lock.packages).flatMap(([path, entry]) =>
      Object.keys(entry.optionalDependencies ?? {})
        .filter((name) => !has(path, name))
        .map((name) => `${path} → ${name}`),
    );
    expect(missing, 'run: node scripts/complete-lock.mjs').toEqual([]);
  });
});

describe('configuration documentation', () => {
  it('.env.example and README name every variable lib/config.ts reads', () => {
    const env = read('.env.example');
    const readme = read('README.md');
    for (const v of CONFIG_VARIABLES) {
      expect(env, `${v} missing from .env.example`).toMatch(new RegExp(`^${v}=`, 'm'));
      expect(readme, `${v} missing from README.md`).toContain(`\`${v}\``);
    }
  });
});
