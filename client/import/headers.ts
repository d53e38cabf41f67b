// Finds the columns of a table by their header, in Chinese or English, in any
// order, with the variants offices use (序号/编号, 牵头单位/责任单位, …). The
// header row need not be the first: a title row (附件2 …分解表) often sits above.

export type TaskField = 'seq' | 'category' | 'group' | 'text' | 'lead' | 'co' | 'deadline';
export type UnitField =
  'code' | 'name' | 'aliases' | 'type' | 'emails' | 'requestEmails' | 'leaderEmails' | 'members';

export interface FieldSpec<F extends string> {
  field: F;
  /** the name used in messages */
  label: string;
  required: boolean;
  variants: string[];
}

export const TASK_FIELDS: FieldSpec<TaskField>[] = [
  {
    field: 'seq',
    label: '序号',
    required: true,
    variants: [
      '序号',
      '编号',
      '任务编号',
      '序',
      '编码',
      'no',
      'number',
      'seq',
      'sequence',
      'id',
      'taskid',
      'taskno',
      'item no',
      '#',
    ],
  },
  {
    field: 'category',
    label: '类别',
    required: false,
    variants: ['类别', '类型', '分类', '任务类别', '任务类型', 'category', 'type', 'kind'],
  },
  {
    field: 'group',
    label: '分组',
    required: false,
    variants: [
      '分组',
      '领域',
      '板块',
      '专项',
      '大项',
      '方面',
      '工作板块',
      'group',
      'section',
      'area',
      'theme',
      'field',
    ],
  },
  {
    field: 'text',
    label: '工作任务',
    required: true,
    variants: [
      '工作任务',
      '目标任务',
      '任务内容',
      '重点任务',
      '主要任务',
      '具体任务',
      '工作内容',
      '任务',
      '目标',
      'task',
      'tasks',
      'worktask',
      'content',
      'description',
      'target',
    ],
  },
  {
    field: 'lead',
    label: '牵头单位',
    required: true,
    variants: [
      '牵头单位',
      '责任单位',
      '牵头部门',
      '责任部门',
      '主责单位',
      '牵头',
      '责任主体',
      'leadunit',
      'leadunits',
      'lead',
      'leaddepartment',
      'responsibleunit',
      'responsibleunits',
      'responsible',
      'owner',
    ],
  },
  {
    field: 'co',
    label: '配合单位',
    required: false,
    variants: [
      '配合单位',
      '协办单位',
      '配合部门',
      '协同单位',
      '参与单位',
      '协办',
      '配合',
      'counit',
      'counits',
      'cooperatingunit',
      'cooperatingunits',
      'supportingunit',
      'supportingunits',
      'support',
      'partners',
    ],
  },
  {
    field: 'deadline',
    label: '完成时限',
    required: false,
    variants: [
      '完成时限',
      '时限',
      '完成时间',
      '截止时间',
      '截止日期',
      '时间节点',
      '完成期限',
      '时间要求',
      'deadline',
      'due',
      'duedate',
      'timelimit',
      'completiondate',
      'dueby',
    ],
  },
];

export const UNIT_FIELDS: FieldSpec<UnitField>[] = [
  {
    field: 'code',
    label: '单位代码',
    required: false,
    variants: ['单位代码', '代码', '单位编码', '编码', '编号', 'code', 'unitcode', 'id'],
  },
  {
    field: 'name',
    label: '单位名称',
    required: true,
    variants: ['单位名称', '名称', '单位', '单位全称', 'name', 'unit', 'unitname'],
  },
  {
    field: 'aliases',
    label: '别名',
    required: false,
    variants: ['别名', '简称', '又称', 'alias', 'aliases', 'shortname'],
  },
  {
    field: 'type',
    label: '类型',
    required: false,
    variants: ['类型', '单位类型', '类别', 'type', 'kind', 'unittype'],
  },
  {
    field: 'emails',
    label: '联系邮箱',
    required: false,
    variants: [
      '联系邮箱',
      '邮箱',
      '电子邮箱',
      '报送邮箱',
      '联络员邮箱',
      '联系人邮箱',
      'email',
      'emails',
      'mail',
      'reportemail',
      'reportemails',
    ],
  },
  {
    // which of the unit's addresses receive the mails (empty: every one of 联系邮箱)
    field: 'requestEmails',
    label: '收件邮箱',
    required: false,
    variants: [
      '收件邮箱',
      '请报邮箱',
      '接收邮箱',
      '通知邮箱',
      '收信邮箱',
      'requestemails',
      'mailto',
      'notifyemails',
    ],
  },
  {
    field: 'leaderEmails',
    label: '分管领导邮箱',
    required: false,
    variants: [
      '分管领导邮箱',
      '领导邮箱',
      '负责人邮箱',
      '督办邮箱',
      'leaderemail',
      'leaderemails',
      'leader',
      'escalationemail',
    ],
  },
  {
    field: 'members',
    label: '成员单位',
    required: false,
    variants: ['成员单位', '成员', '包含单位', '下属单位', 'members', 'member', 'memberunits'],
  },
];

/** Header text as compared: no spaces, punctuation or case; 完成时限（截止） keeps 完成时限截止. */
export function normalizeHeader(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_\-.:：*＊()（）[\]【】"'“”‘’/\\]+/g, '');
}

function score(header: string, variant: string): number {
  const v = normalizeHeader(variant) || variant;
  if (!header) return 0;
  if (header === v) return 1000 + v.length;
  // Short English words (id, no) only count when they are the whole header.
  if (/^[a-z#]+$/.test(v) && v.length <= 3) return 0;
  if (header.startsWith(v)) return 100 + v.length;
  if (v.length >= 2 && header.includes(v)) return v.length;
  return 0;
}

export interface HeaderMatch<F extends string> {
  /** column index of each field found */
  columns: Partial<Record<F, number>>;
  /** header text of every column, as written */
  headers: string[];
  /** columns no field claimed: kept as attributes */
  extra: number[];
  /** a field named twice: the second column is kept as an attribute */
  duplicates: { field: F; column: number }[];
  missing: FieldSpec<F>[];
}

export function matchHeaders<F extends string>(cells: string[], specs: FieldSpec<F>[]): HeaderMatch<F> {
  const columns: Partial<Record<F, number>> = {};
  const claimed = new Set<number>();
  const duplicates: { field: F; column: number }[] = [];
  // Best field per column first, then the first column wins a field.
  cells.forEach((cell, index) => {
    const h = normalizeHeader(cell);
    let best: { spec: FieldSpec<F>; s: number } | undefined;
    for (const spec of specs) {
      const s = Math.max(0, ...spec.variants.map((v) => score(h, v)));
      if (s > 0 && (!best || s > best.s)) best = { spec, s };
    }
    if (!best) return;
    if (columns[best.spec.field] === undefined) {
      columns[best.spec.field] = index;
      claimed.add(index);
    } else {
      duplicates.push({ field: best.spec.field, column: index });
    }
  });
  const extra = cells.map((c, i) => i).filter((i) => !claimed.has(i) && cells[i]!.trim() !== '');
  const missing = specs.filter((s) => s.required && columns[s.field] === undefined);
  return { columns, headers: cells.map((c) => c.trim()), extra, duplicates, missing };
}

/**
 * A row is the header when it names two of the required fields (or the only
 * one) and at least two fields in all, or any three fields. A title row
 * above it names one at most.
 */
export function looksLikeHeader<F extends string>(cells: string[], specs: FieldSpec<F>[]): boolean {
  const m = matchHeaders(cells, specs);
  const found = Object.keys(m.columns).length;
  const requiredCount = specs.filter((s) => s.required).length;
  const required = specs.filter((s) => s.required && m.columns[s.field] !== undefined).length;
  // Three fields of any kind are a header too, one that lacks a required column
  // (reported as such rather than as "no header found").
  return (required >= Math.min(2, requiredCount) && found >= 2) || found >= 3;
}

/** How to write a field's header, for "missing column" messages. */
export function headerHint(spec: FieldSpec<string>): string {
  const cn = spec.variants.filter((v) => /[\u4e00-\u9fff]/.test(v)).slice(0, 3);
  const en = spec.variants.find((v) => /^[a-z]{4,}$/.test(v));
  return [...cn, en].filter(Boolean).join('、');
}
