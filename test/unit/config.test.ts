import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, ConfigError } from '../../lib/config.ts';

const home = () => mkdtempSync(path.join(tmpdir(), 'duban-config-'));

describe('configuration', () => {
  it('runs on embedded defaults with nothing set', () => {
    const c = loadConfig({ DUBAN_HOME: home() });
    expect(c.temporal.embedded).toBe(true);
    expect(c.temporal.address).toBe('127.0.0.1:7233');
    expect(c.temporal.uiPort).toBe(8233);
    expect(c.database.url).toBeUndefined();
    expect(c.smtp.embedded).toBe(true);
    expect(c.smtp.url).toBe('smtp://127.0.0.1:2525');
    expect(c.web.port).toBe(3000);
    // the units' listener has a port of its own, next to the desk's
    expect(c.web.publicPort).toBe(3001);
    expect(c.web.publicHost).toBe('127.0.0.1');
    expect(c.web.publicUrl).toBe('http://localhost:3001');
    expect(c.web.url).toBe('http://localhost:3000');
    expect(c.web.allowedHosts).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(c.web.sessionHours).toBe(12);
    expect(c.web.temporalUiUrl).toBe('http://localhost:8233');
    expect(c.mail.bounceAddress).toBe('duban-bounces@duban.test');
    expect(c.worker).toEqual({ maxCachedWorkflows: 500, maxConcurrentActivities: 20 });
  });

  it('takes the worker limits, an empty value as the default, 0 as no cache', () => {
    const set = (cache: string, activities: string) =>
      loadConfig({
        DUBAN_HOME: home(),
        WORKER_MAX_CACHED_WORKFLOWS: cache,
        WORKER_MAX_CONCURRENT_ACTIVITIES: activities,
      }).worker;
    expect(set('2000', '50')).toEqual({ maxCachedWorkflows: 2000, maxConcurrentActivities: 50 });
    expect(set('', '')).toEqual({ maxCachedWorkflows: 500, maxConcurrentActivities: 20 });
    expect(set('0', '1')).toEqual({ maxCachedWorkflows: 0, maxConcurrentActivities: 1 });
  });

  it('keeps the generated token secret across restarts, so tokens already mailed stay valid', () => {
    const h = home();
    const first = loadConfig({ DUBAN_HOME: h }).tokens.secret;
    expect(first).toHaveLength(64);
    expect(loadConfig({ DUBAN_HOME: h }).tokens.secret).toBe(first);
    expect(readFileSync(path.join(h, 'token-secret'), 'utf8').trim()).toBe(first);
  });

  it.each([
    ['WEB_PORT', 'abc'],
    ['WEB_PORT', '70000'],
    ['DATABASE_URL', 'mysql://x@y/z'],
    ['SMTP_URL', 'http://mail.example'],
    ['IMAP_URL', 'not a url'],
    ['TEMPORAL_ADDRESS', 'no-port'],
    ['TOKEN_SECRET', 'short'],
    ['TEMPORAL_TLS', 'maybe'],
    ['MAIL_SINCE', '2022/01/01'],
    ['OFFICE_EMAIL', 'not-an-address'],
    ['WORKER_MAX_CACHED_WORKFLOWS', 'many'],
    ['WORKER_MAX_CACHED_WORKFLOWS', '1'],
    ['WORKER_MAX_CACHED_WORKFLOWS', '2.5'],
    ['WORKER_MAX_CONCURRENT_ACTIVITIES', '0'],
    ['PUBLIC_PORT', 'abc'],
    ['WEB_URL', 'ftp://desk'],
    ['WEB_ALLOWED_HOSTS', 'a.example;b.example'],
    ['SESSION_SECRET', 'short'],
    ['SESSION_HOURS', '0'],
    ['DUBAN_ADMIN_PASSWORD', 'short'],
  ])('names the variable in one Chinese message when %s=%s', (name, value) => {
    let error: unknown;
    try {
      loadConfig({ DUBAN_HOME: home(), [name]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(name);
    expect((error as Error).message).toContain(`环境变量 ${name}`);
    expect((error as Error).message).toContain(value);
  });

  it('allows the hosts of the configured addresses; the session key is derived unless given', () => {
    const c = loadConfig({
      DUBAN_HOME: home(),
      WEB_URL: 'https://duban.qu.gov.test',
      PUBLIC_URL: 'https://tianbao.qu.gov.test',
      TOKEN_SECRET: 't'.repeat(40),
    });
    expect(c.web.allowedHosts).toEqual([
      'duban.qu.gov.test',
      'tianbao.qu.gov.test',
      'localhost',
      '127.0.0.1',
      '[::1]',
    ]);
    expect(c.web.sessionSecret).toHaveLength(64);
    expect(c.web.sessionSecret).not.toContain(c.tokens.secret);
    const listed = loadConfig({
      DUBAN_HOME: home(),
      WEB_ALLOWED_HOSTS: 'Desk.Example, 10.0.0.5',
      SESSION_SECRET: 's'.repeat(40),
    });
    expect(listed.web.allowedHosts).toEqual(['desk.example', '10.0.0.5']);
    expect(listed.web.sessionSecret).toBe('s'.repeat(40));
    expect(() => loadConfig({ DUBAN_HOME: home(), WEB_PORT: '4000', PUBLIC_PORT: '4000' })).toThrow(
      /PUBLIC_PORT/,
    );
  });

  it('requires a token secret in production', () => {
    expect(() => loadConfig({ DUBAN_HOME: home(), DATABASE_URL: 'postgresql://u@db:5432/duban' })).toThrow(
      /TOKEN_SECRET/,
    );
    const c = loadConfig({
      DUBAN_HOME: home(),
      DATABASE_URL: 'postgresql://u@db:5432/duban',
      TOKEN_SECRET: 'k'.repeat(40),
    });
    expect(c.database.url).toBe('postgresql://u@db:5432/duban');
  });

  it('wants a TLS client certificate and key together, and files that exist', () => {
    expect(() =>
      loadConfig({ DUBAN_HOME: home(), TEMPORAL_TLS: 'true', TEMPORAL_TLS_CERT: '/etc/hostname' }),
    ).toThrow(/TEMPORAL_TLS_KEY/);
    expect(() => loadConfig({ DUBAN_HOME: home(), TEMPORAL_TLS_CA: '/no/such/ca.pem' })).toThrow(
      /TEMPORAL_TLS_CA.*不存在/,
    );
  });

  it('points at an external cluster when TEMPORAL_ADDRESS is set', () => {
    const c = loadConfig({
      DUBAN_HOME: home(),
      TEMPORAL_ADDRESS: 'temporal.gov.internal:7233',
      TEMPORAL_NAMESPACE: 'duban-prod',
    });
    expect(c.temporal.embedded).toBe(false);
    expect(c.temporal.address).toBe('temporal.gov.internal:7233');
    expect(c.temporal.namespace).toBe('duban-prod');
  });
});
