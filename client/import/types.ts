// Shapes shared by the importer's parts. Errors and warnings have one shape so
// a person (or a tool) can find each problem in the file: which file, which
// row as the spreadsheet numbers it, which column as its header reads, the
// value found, and what was expected (in Chinese).

export interface ImportIssue {
  file: string;
  /** 1-based row as a spreadsheet shows it; null for a whole-file problem */
  row: number | null;
  /** the column's header as written in the file; null when not about one column */
  column: string | null;
  value: string | null;
  message: string;
}

/** The located-issue maker for one file: every error and warning names it. */
export function issuesFor(file: string) {
  return (row: number | null, column: string | null, value: string | null, message: string): ImportIssue => ({
    file,
    row,
    column,
    value,
    message,
  });
}

export type UnitKind = '单位' | '集合';

/** One entry of the unit directory (单位名录) as read from the units file. */
export interface DirectoryUnit {
  code: string;
  name: string;
  aliases: string[];
  /** 单位 (a mailbox) or 集合 (a group of units, not a mailbox) */
  type: UnitKind;
  emails: string[];
  leaderEmails: string[];
  /** for groups: canonical names of member units */
  members: string[];
  /** the directory's own type word (区级部门, 镇街, …) and any extra columns */
  attributes: Record<string, string>;
  sourceRow: number;
}

/** One task as read and checked, with its units resolved to directory names. */
export interface ParsedTask {
  seq: string;
  category: string;
  group: string | null;
  text: string;
  /** YYYY-MM-DD */
  deadline: string;
  continuing: boolean;
  deadlineRaw: string | null;
  attributes: Record<string, string>;
  sourceRow: number;
  /** canonical unit names (groups already expanded to their members) */
  lead: string[];
  co: string[];
}

export interface TaskChange {
  seq: string;
  /** the fields that differ: category, group, text, deadline, continuing, attributes, lead, co */
  fields: string[];
}

export interface ImportDiff {
  added: string[];
  changed: TaskChange[];
  removed: string[];
  /** changes to tasks whose workflows already run: listed, never applied by an import */
  blocked: { seq: string; state: string; change: 'changed' | 'removed'; fields?: string[] }[];
  units: { added: string[]; changed: string[]; removed: string[] };
}

export interface ImportStats {
  rows: number;
  durationMs: number;
  rowsPerSecond: number;
  /** resident memory when the import began and the process's peak, in MB */
  rssStartMb: number;
  peakRssMb: number;
}

export interface ImportResult {
  taskSetId: string;
  name: string;
  year: number;
  tasks: number;
  byCategory: Record<string, number>;
  units: number;
  warnings: ImportIssue[];
  errors: ImportIssue[];
  /** true when this import created the task set */
  created: boolean;
  /** true when something was written to the database */
  applied: boolean;
  /** what differs from the task set already in the database (all added on first import) */
  diff: ImportDiff;
  /** true when the table differs from the database and --apply was not given */
  pendingApply: boolean;
  /** the set's reporting cadence, as people read it (每月, 每季度, …) */
  cadence?: string;
  /** --cadence differs from the set's: from what to what (written with --apply) */
  cadenceChange?: { from: string; to: string };
  stats: ImportStats;
}

export interface ImportProgress {
  phase: 'read' | 'write';
  done: number;
  total: number;
  /** what done/total count */
  unit: 'bytes' | 'rows';
  file?: string;
}
