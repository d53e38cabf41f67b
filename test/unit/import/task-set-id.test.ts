import { describe, expect, it } from 'vitest';
import { taskSetIdFor } from '../../../client/import/index.ts';

describe('taskSetIdFor', () => {
  it('uses an ASCII name as the slug', () => {
    expect(taskSetIdFor(2022, 'shapingba')).toBe('2022-shapingba');
    expect(taskSetIdFor(2022, 'Shapingba District 2022')).toBe('2022-shapingba-district-2022');
  });

  it('hashes a Chinese name to 8 hex digits: same name, same id; another name, another id', () => {
    const a = taskSetIdFor(2022, '沙坪坝区2022年政府工作报告目标任务分解');
    expect(a).toMatch(/^2022-[0-9a-f]{8}$/);
    expect(taskSetIdFor(2022, '沙坪坝区2022年政府工作报告目标任务分解')).toBe(a);
    expect(taskSetIdFor(2022, '万州区2022年政府工作报告目标任务分解')).not.toBe(a);
    expect(taskSetIdFor(2023, '沙坪坝区2022年政府工作报告目标任务分解')).not.toBe(a);
  });

  it('gives ids usable in workflow ids and URLs', () => {
    for (const name of ['tasks', '分解表（第二版）', 'a/b c?d', '2022'])
      expect(taskSetIdFor(2022, name)).toMatch(/^[a-z0-9-]+$/);
  });
});
