// docker-compose.yml cannot be run here (no Docker engine), so check what can
// be checked: it parses, it has every service a deployment needs, and every
// variable it or Duban reads is documented in .env.example and the README.
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

  it('documents in .env.example every variable it substitutes', () => {
    const env = read('.env.example');
    const used = new Set([...text.matchAll(/\$\{([A-Z_]+)[:}?-]/g)].map((m) => m[1]!));
    expect(used.size).toBeGreaterThan(5);
    for (const v of used) {
      if (v === 'POSTGRES_PASSWORD') continue; // the compose file's own, explained in README
      expect(env, `${v} missing from .env.example`).toMatch(new RegExp(`^${v}=`, 'm'));
    }
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
