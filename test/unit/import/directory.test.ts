import { describe, expect, it } from 'vitest';
import { UnitDirectory, unknownUnitMessage } from '../../../client/import/directory.ts';
import { splitUnitCell } from '../../../client/import/text.ts';
import type { DirectoryUnit } from '../../../client/import/types.ts';

function unit(name: string, extra: Partial<DirectoryUnit> = {}): DirectoryUnit {
  return {
    code: name,
    name,
    aliases: [],
    type: '单位',
    emails: [`${name}@x.test`],
    leaderEmails: [],
    members: [],
    attributes: {},
    sourceRow: 0,
    ...extra,
  };
}

function directory(): UnitDirectory {
  const d = new UnitDirectory();
  for (const n of [
    '区发展改革委',
    '区发展改革委(区粮食局)',
    '区商务委',
    '区商务委(区招商中心)',
    '区属国有重点企业',
    '区科技局',
    '区教委',
    '甲街道',
    '乙镇',
  ])
    d.add(unit(n));
  d.add(unit('区财政局(区金融办)', { aliases: ['区金融办'] }));
  d.add(unit('各镇街', { type: '集合', emails: [], members: ['甲街道', '乙镇'] }));
  d.add(unit('区级有关部门', { type: '集合', emails: [] }));
  return d;
}

describe('splitUnitCell', () => {
  it('splits at 、，, ; ；/ and line breaks but not inside parentheses', () => {
    expect(
      splitUnitCell('区发展改革委、区商务委(区招商中心，区物流办)；区教委/区科技局\n甲街道,乙镇'),
    ).toEqual(['区发展改革委', '区商务委(区招商中心，区物流办)', '区教委', '区科技局', '甲街道', '乙镇']);
  });
});

describe('UnitDirectory.resolveCell', () => {
  it('resolves names, aliases and full-width parentheses', () => {
    const r = directory().resolveCell('区商务委（区招商中心）、区金融办');
    expect(r.units.map((u) => u.name)).toEqual(['区商务委(区招商中心)', '区财政局(区金融办)']);
    expect(r.unknown).toEqual([]);
  });

  it('splits names glued together against the directory', () => {
    const r = directory().resolveCell('区发展改革委区商务委(区招商中心)区属国有重点企业');
    expect(r.units.map((u) => u.name)).toEqual(['区发展改革委', '区商务委(区招商中心)', '区属国有重点企业']);
    expect(r.glued).toHaveLength(1);
    expect(r.unknown).toEqual([]);
  });

  it('prefers the longer name where a shorter one is its prefix', () => {
    const r = directory().resolveCell('区发展改革委(区粮食局)区教委');
    expect(r.units.map((u) => u.name)).toEqual(['区发展改革委(区粮食局)', '区教委']);
  });

  it('names an unknown unit and suggests the closest known ones', () => {
    const d = directory();
    const r = d.resolveCell('区发改委');
    expect(r.units).toEqual([]);
    expect(r.unknown).toHaveLength(1);
    expect(r.unknown[0]!.suggestions[0]).toBe('区发展改革委');
    expect(unknownUnitMessage(r.unknown[0]!)).toContain('最接近的是：区发展改革委');
  });

  it('points at the unknown part of a glued cell', () => {
    const r = directory().resolveCell('区科技局区发改委');
    expect(r.unknown).toHaveLength(1);
    expect(r.unknown[0]).toMatchObject({ piece: '区发改委', within: '区科技局区发改委' });
  });

  it('expands a group to its members; an empty group expands to nothing', () => {
    const d = directory();
    expect(d.expand(d.get('各镇街')!).map((u) => u.name)).toEqual(['甲街道', '乙镇']);
    expect(d.expand(d.get('区级有关部门')!)).toEqual([]);
  });

  it('refuses a second unit with a name already taken', () => {
    const d = directory();
    expect(d.add(unit('区教委'))?.holder.name).toBe('区教委');
    expect(d.add(unit('区财政局', { aliases: ['区金融办'] }))?.clash).toBe('区金融办');
  });
});
