// What an import would change in a task set already in the database: tasks
// added, changed (and which fields), removed, and the changes an import must
// not make because the task's workflow already runs. Pure: both sides are
// plain records.
import { stableJson } from './text.ts';
import type { DirectoryUnit, ImportDiff, ParsedTask, TaskChange } from './types.ts';

/** A task as it stands in the database. */
export interface ExistingTask {
  seq: string;
  category: string;
  group: string | null;
  text: string;
  deadline: string;
  continuing: boolean;
  attributes: Record<string, string>;
  lead: string[];
  co: string[];
  /** 未启动 means no workflow yet; anything else means the workflow runs or ran */
  state: string;
}

export type ExistingUnit = Pick<
  DirectoryUnit,
  'code' | 'name' | 'aliases' | 'type' | 'emails' | 'leaderEmails' | 'members' | 'attributes'
>;

export const NOT_STARTED = '未启动';

const sameSet = (a: string[], b: string[]) => stableJson([...a].sort()) === stableJson([...b].sort());

export function taskChanges(next: ParsedTask, old: ExistingTask): string[] {
  const fields: string[] = [];
  if (next.category !== old.category) fields.push('category');
  if ((next.group ?? null) !== (old.group ?? null)) fields.push('group');
  if (next.text !== old.text) fields.push('text');
  if (next.deadline !== old.deadline) fields.push('deadline');
  if (next.continuing !== old.continuing) fields.push('continuing');
  if (stableJson(next.attributes) !== stableJson(old.attributes ?? {})) fields.push('attributes');
  if (!sameSet(next.lead, old.lead)) fields.push('lead');
  if (!sameSet(next.co, old.co)) fields.push('co');
  return fields;
}

export function unitChanged(next: ExistingUnit, old: ExistingUnit): boolean {
  const pick = (u: ExistingUnit) => [
    u.code,
    [...u.aliases].sort(),
    u.type,
    u.emails,
    u.leaderEmails,
    [...u.members].sort(),
    u.attributes,
  ];
  return stableJson(pick(next)) !== stableJson(pick(old));
}

export function diffTables(
  nextTasks: ParsedTask[],
  oldTasks: ExistingTask[],
  nextUnits: ExistingUnit[],
  oldUnits: ExistingUnit[],
): ImportDiff {
  const diff: ImportDiff = {
    added: [],
    changed: [],
    removed: [],
    blocked: [],
    units: { added: [], changed: [], removed: [] },
  };
  const oldBySeq = new Map(oldTasks.map((t) => [t.seq, t]));
  const nextSeqs = new Set<string>();
  for (const t of nextTasks) {
    nextSeqs.add(t.seq);
    const old = oldBySeq.get(t.seq);
    if (!old) {
      diff.added.push(t.seq);
      continue;
    }
    const fields = taskChanges(t, old);
    if (fields.length === 0) continue;
    const change: TaskChange = { seq: t.seq, fields };
    if (old.state !== NOT_STARTED)
      diff.blocked.push({ seq: t.seq, state: old.state, change: 'changed', fields });
    else diff.changed.push(change);
  }
  for (const old of oldTasks) {
    if (nextSeqs.has(old.seq)) continue;
    if (old.state !== NOT_STARTED) diff.blocked.push({ seq: old.seq, state: old.state, change: 'removed' });
    else diff.removed.push(old.seq);
  }
  const oldUnitByName = new Map(oldUnits.map((u) => [u.name, u]));
  const nextNames = new Set(nextUnits.map((u) => u.name));
  for (const u of nextUnits) {
    const old = oldUnitByName.get(u.name);
    if (!old) diff.units.added.push(u.name);
    else if (unitChanged(u, old)) diff.units.changed.push(u.name);
  }
  for (const u of oldUnits) if (!nextNames.has(u.name)) diff.units.removed.push(u.name);
  return diff;
}

export function diffIsEmpty(d: ImportDiff): boolean {
  return (
    d.added.length +
      d.changed.length +
      d.removed.length +
      d.units.added.length +
      d.units.changed.length +
      d.units.removed.length ===
    0
  );
}

/** Field names as the office reads them. */
export const FIELD_LABELS: Record<string, string> = {
  category: '类别',
  group: '分组',
  text: '工作任务',
  deadline: '完成时限',
  continuing: '长期坚持',
  attributes: '附加列',
  lead: '牵头单位',
  co: '配合单位',
};
