// The unit directory (单位名录): code, name, aliases, type, report addresses,
// leader addresses, and for 集合 groups their members. It also resolves the
// unit cells of the task table: names separated by 、，; / or line breaks, or
// glued together with no separator at all, which are split against the
// directory; an unknown name gets the closest known names as suggestions.
import path from 'node:path';
import { headerHint, looksLikeHeader, matchHeaders, UNIT_FIELDS, type UnitField } from './headers.ts';
import { columnName, openTable, TableReadError, type ReadOptions } from './read.ts';
import { cleanCell, EMAIL_PATTERN, normalizeName, similarity, splitEmails, splitUnitCell } from './text.ts';
import { issuesFor, type DirectoryUnit, type ImportIssue, type UnitKind } from './types.ts';
import { REQUEST_EMAILS_ATTRIBUTE } from '../../lib/unit-addresses.ts';

export { requestEmailsOf } from '../../lib/unit-addresses.ts';

const GROUP_WORDS = new Set(['集合', '分组', '组', '单位集合', '集体', 'group', 'set']);

export interface CellResolution {
  /** directory units named by the cell, in order, each once */
  units: DirectoryUnit[];
  /** names found glued together: the original piece and how it was split */
  glued: { piece: string; parts: string[] }[];
  /** pieces that are no known unit, with the closest known names */
  unknown: { piece: string; within?: string; suggestions: string[] }[];
}

export class UnitDirectory {
  readonly units: DirectoryUnit[] = [];
  private readonly byKey = new Map<string, DirectoryUnit>();
  /** keys by first character, longest first, for splitting glued names */
  private readonly byFirst = new Map<string, string[]>();
  private readonly suggestionCache = new Map<string, string[]>();

  /** Adds a unit; returns the unit already holding one of its names, if any. */
  add(unit: DirectoryUnit): { clash: string; holder: DirectoryUnit } | undefined {
    for (const n of [unit.name, ...unit.aliases]) {
      const holder = this.byKey.get(normalizeName(n));
      if (holder) return { clash: n, holder };
    }
    this.units.push(unit);
    for (const n of [unit.name, ...unit.aliases]) {
      const key = normalizeName(n);
      this.byKey.set(key, unit);
      const first = key[0]!;
      const list = this.byFirst.get(first) ?? [];
      list.push(key);
      list.sort((a, b) => b.length - a.length);
      this.byFirst.set(first, list);
    }
    return undefined;
  }

  get(name: string): DirectoryUnit | undefined {
    return this.byKey.get(normalizeName(name));
  }

  /** The closest known names (by shared characters in order: 区发改委 → 区发展改革委). */
  suggest(name: string, limit = 3): string[] {
    const key = normalizeName(name);
    const cached = this.suggestionCache.get(key);
    if (cached) return cached;
    const scored: { name: string; s: number }[] = [];
    for (const [k, unit] of this.byKey) {
      const s = similarity(key, k);
      if (s >= 0.3) scored.push({ name: unit.name, s });
    }
    scored.sort((a, b) => b.s - a.s || a.name.length - b.name.length);
    const out: string[] = [];
    for (const { name: n } of scored) {
      if (!out.includes(n)) out.push(n);
      if (out.length === limit) break;
    }
    this.suggestionCache.set(key, out);
    return out;
  }

  /** Splits a piece with no separators into directory names: fewest names wins. */
  private segment(key: string): string[] | undefined {
    const n = key.length;
    const best = new Array<number>(n + 1).fill(Infinity);
    const prev = new Array<{ from: number; key: string } | undefined>(n + 1);
    best[0] = 0;
    for (let i = 0; i < n; i++) {
      if (best[i] === Infinity) continue;
      for (const k of this.byFirst.get(key[i]!) ?? []) {
        if (!key.startsWith(k, i)) continue;
        const j = i + k.length;
        if (best[i]! + 1 < best[j]!) {
          best[j] = best[i]! + 1;
          prev[j] = { from: i, key: k };
        }
      }
    }
    if (best[n] === Infinity) return undefined;
    const parts: string[] = [];
    for (let j = n; j > 0;) {
      const p = prev[j]!;
      parts.unshift(p.key);
      j = p.from;
    }
    return parts;
  }

  /** Where no split works: the longest known names found, the rest as unknown pieces. */
  private partial(key: string): { known: string[]; unknown: string[] } {
    const known: string[] = [];
    const unknown: string[] = [];
    let pending = '';
    for (let i = 0; i < key.length;) {
      const k = (this.byFirst.get(key[i]!) ?? []).find((c) => key.startsWith(c, i));
      if (k) {
        if (pending) unknown.push(pending);
        pending = '';
        known.push(k);
        i += k.length;
      } else {
        pending += key[i];
        i++;
      }
    }
    if (pending) unknown.push(pending);
    return { known, unknown };
  }

  /** Resolves one cell of units (牵头单位 or 配合单位). */
  resolveCell(cell: string): CellResolution {
    const out: CellResolution = { units: [], glued: [], unknown: [] };
    const push = (u: DirectoryUnit) => {
      if (!out.units.includes(u)) out.units.push(u);
    };
    for (const piece of splitUnitCell(cell)) {
      const key = normalizeName(piece);
      if (!key) continue;
      const direct = this.byKey.get(key);
      if (direct) {
        push(direct);
        continue;
      }
      const parts = this.segment(key);
      if (parts) {
        const units = parts.map((p) => this.byKey.get(p)!);
        units.forEach(push);
        out.glued.push({ piece, parts: units.map((u) => u.name) });
        continue;
      }
      const { known, unknown } = this.partial(key);
      if (known.length === 0 || unknown.length === 0) {
        out.unknown.push({ piece, suggestions: this.suggest(piece) });
      } else {
        for (const u of unknown) out.unknown.push({ piece: u, within: piece, suggestions: this.suggest(u) });
      }
    }
    return out;
  }

  /** A group's member units, recursively (a group may list groups); cycles stop. */
  expand(unit: DirectoryUnit, seen = new Set<DirectoryUnit>()): DirectoryUnit[] {
    if (unit.type !== '集合') return [unit];
    if (seen.has(unit)) return [];
    seen.add(unit);
    return unit.members.flatMap((m) => {
      const u = this.get(m);
      return u ? this.expand(u, seen) : [];
    });
  }
}

export function unknownUnitMessage(u: CellResolution['unknown'][number]): string {
  const head = u.within
    ? `「${u.within}」中的「${u.piece}」不是单位名录中的单位`
    : `单位名录中没有「${u.piece}」`;
  return u.suggestions.length
    ? `${head}；最接近的是：${u.suggestions.join('、')}`
    : `${head}；请检查名称，或在单位名录中补充该单位（可用“别名”列）`;
}

export interface DirectoryReadResult {
  directory: UnitDirectory;
  errors: ImportIssue[];
  warnings: ImportIssue[];
}

const MAX_HEADER_SEARCH = 30;

/** Reads the units file into a directory, collecting every problem rather than stopping at the first. */
export async function readDirectory(file: string, options: ReadOptions = {}): Promise<DirectoryReadResult> {
  const shown = path.basename(file);
  const directory = new UnitDirectory();
  const errors: ImportIssue[] = [];
  const warnings: ImportIssue[] = [];
  const issue = issuesFor(shown);

  let header: ReturnType<typeof matchHeaders<UnitField>> | undefined;
  const codes = new Map<string, number>();
  const pendingMembers: { unit: DirectoryUnit; names: string[]; column: string }[] = [];
  try {
    const { rows } = await openTable(file, { preferSheet: /单位|名录|unit/i, ...options });
    for await (const { row, cells: raw } of rows) {
      const cells = raw.map(cleanCell);
      if (cells.every((c) => c === '')) continue;
      if (!header) {
        if (looksLikeHeader(cells, UNIT_FIELDS)) {
          header = matchHeaders(cells, UNIT_FIELDS);
          for (const spec of header.missing) {
            errors.push(
              issue(
                row,
                spec.label,
                null,
                `单位名录缺少必需的列「${spec.label}」（可写作 ${headerHint(spec)}）`,
              ),
            );
          }
          if (header.missing.length) break;
        } else if (row > MAX_HEADER_SEARCH) {
          break;
        }
        continue;
      }
      const col = header.columns;
      const get = (f: UnitField) => (col[f] === undefined ? '' : (cells[col[f]!] ?? ''));
      const label = (f: UnitField) => (col[f] === undefined ? f : header!.headers[col[f]!]!);
      const name = get('name');
      if (!name) {
        errors.push(issue(row, label('name'), '', '单位名称为空'));
        continue;
      }
      const typeRaw = get('type');
      const type: UnitKind = GROUP_WORDS.has(typeRaw.toLowerCase()) ? '集合' : '单位';
      let code = get('code');
      if (!code) code = `R${row}`;
      const codeRow = codes.get(code);
      if (codeRow !== undefined) {
        errors.push(issue(row, label('code'), code, `单位代码「${code}」与第 ${codeRow} 行重复`));
        continue;
      }
      const addresses = (f: UnitField) => {
        const list = splitEmails(get(f));
        for (const a of list) {
          if (!EMAIL_PATTERN.test(a))
            errors.push(issue(row, label(f), a, `「${a}」不是有效的邮箱地址（应形如 name@example.gov.cn）`));
        }
        return list.filter((a) => EMAIL_PATTERN.test(a));
      };
      const attributes: Record<string, string> = {};
      if (typeRaw && type === '单位' && typeRaw !== '单位') attributes['类型'] = typeRaw;
      for (const i of [...header.extra, ...header.duplicates.map((d) => d.column)]) {
        if (cells[i]) attributes[header.headers[i] || `第${i + 1}列`] = cells[i]!;
      }
      // 收件邮箱: the addresses the mails go to; each may report as well
      const requestEmails = addresses('requestEmails');
      if (requestEmails.length) attributes[REQUEST_EMAILS_ATTRIBUTE] = requestEmails.join(';');
      const unit: DirectoryUnit = {
        code,
        name,
        aliases: splitUnitCell(get('aliases')),
        type,
        emails: [...new Set([...addresses('emails'), ...requestEmails])],
        leaderEmails: addresses('leaderEmails'),
        members: [],
        attributes,
        sourceRow: row,
      };
      const clash = directory.add(unit);
      if (clash) {
        errors.push(
          issue(
            row,
            label('name'),
            clash.clash,
            `单位名称或别名「${clash.clash}」与第 ${clash.holder.sourceRow} 行的「${clash.holder.name}」重复`,
          ),
        );
        continue;
      }
      codes.set(code, row);
      const members = splitUnitCell(get('members'));
      if (members.length) {
        if (type !== '集合') {
          warnings.push(
            issue(
              row,
              label('members'),
              get('members'),
              `「${name}」不是集合（类型不是“集合”），其成员单位列被忽略`,
            ),
          );
        } else {
          pendingMembers.push({ unit, names: members, column: label('members') });
        }
      }
      if (type === '单位' && unit.emails.length === 0) {
        warnings.push(issue(row, label('emails'), '', `「${name}」没有联系邮箱，交办和请报邮件无法发出`));
      }
    }
  } catch (err) {
    if (err instanceof TableReadError) {
      errors.push(issue(err.row, columnName(err.column, header?.headers), err.value, err.message));
      return { directory, errors, warnings };
    }
    throw err;
  }
  if (!header) {
    errors.push(
      issue(
        null,
        '单位名称',
        null,
        `在前 ${MAX_HEADER_SEARCH} 行中找不到单位名录的表头；应有「单位名称」列，以及单位代码、类型、联系邮箱、分管领导邮箱等列`,
      ),
    );
    return { directory, errors, warnings };
  }
  // Members may name units listed further down, so they resolve at the end.
  for (const { unit, names, column } of pendingMembers) {
    for (const n of names) {
      const r = directory.resolveCell(n);
      for (const u of r.unknown) errors.push(issue(unit.sourceRow, column, n, unknownUnitMessage(u)));
      for (const u of r.units) if (u !== unit && !unit.members.includes(u.name)) unit.members.push(u.name);
    }
  }
  return { directory, errors, warnings };
}
