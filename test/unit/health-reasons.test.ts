// The health page and `duban health` say why a part is down in Chinese; the
// libraries' English (gRPC status text, PostgreSQL's messages) never shows.
import { describe, expect, it } from 'vitest';
import { checkTemporal, reasonOf } from '../../client/health.ts';
import { loadConfig } from '../../lib/config.ts';
import type { Client } from '@temporalio/client';

describe('health: why a part is down', () => {
  it('names the common causes in Chinese and hides the English text', () => {
    const cases: [unknown, string][] = [
      [Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 }), '连接被拒绝'],
      [
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
        '连接被拒绝',
      ],
      [Object.assign(new Error('getaddrinfo ENOTFOUND pg'), { code: 'ENOTFOUND' }), '找不到该主机名'],
      [Object.assign(new Error('relation "Task" does not exist'), { code: '42P01' }), 'duban migrate'],
      [new Error('something nobody planned for'), '未知错误'],
    ];
    for (const [err, expected] of cases) {
      const text = reasonOf(err);
      expect(text).toContain(expected);
      expect(text).not.toMatch(/UNAVAILABLE|ECONN|ENOTFOUND|relation|nobody/);
    }
  });

  it('a Temporal server that refuses the connection is reported in Chinese', async () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1' });
    const refusing = {
      workflowService: {
        getSystemInfo: () =>
          Promise.reject(Object.assign(new Error('14 UNAVAILABLE: connection refused'), { code: 14 })),
      },
    } as unknown as Client;
    const part = await checkTemporal(config, refusing);
    expect(part.ok).toBe(false);
    expect(part.detail).toBe('127.0.0.1:1 不可达：连接被拒绝（服务未启动或地址有误）');
  });
});
