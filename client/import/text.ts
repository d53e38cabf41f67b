// Small text helpers shared by the importer: tables arrive with full-width
// punctuation, stray spaces and both kinds of parentheses, and a unit written
// as 区商务委（区招商中心） is the same unit as 区商务委(区招商中心).

/** NFKC folds full-width letters, digits and parentheses to ASCII; spaces go. */
export function normalizeName(s: string): string {
  return s
    .normalize('NFKC')
    .replace(/[\s\u3000]+/g, '')
    .replace(/[【［]/g, '[')
    .replace(/[】］]/g, ']');
}

/** A cell's text, trimmed, with Windows line ends folded and non-breaking spaces made plain. */
export function cleanCell(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .replace(/[\u00a0\u3000]/g, ' ')
    .trim();
}

/**
 * Splits a cell of units at 、，, ; ；/ and line breaks, but never inside
 * parentheses: 区商务委(区招商中心、区物流办) names one unit.
 */
export function splitUnitCell(cell: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of cell) {
    if (ch === '(' || ch === '（') depth++;
    else if ((ch === ')' || ch === '）') && depth > 0) depth--;
    if (depth === 0 && /[、，,;；/／\n\r|｜]/.test(ch)) {
      if (current.trim()) parts.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim()) parts.push(current.trim());
  // Spaces are not split here: English names contain them. Names compare
  // without spaces (normalizeName), so 区发展改革委 区商务委 is split later
  // against the directory, like names glued together.
  return parts;
}

/** Longest common subsequence length; 区发改委 is a subsequence of 区发展改革委. */
export function lcsLength(a: string, b: string): number {
  const aa = [...a];
  const bb = [...b];
  let prev = new Array<number>(bb.length + 1).fill(0);
  for (let i = 1; i <= aa.length; i++) {
    const cur = new Array<number>(bb.length + 1).fill(0);
    for (let j = 1; j <= bb.length; j++) {
      cur[j] = aa[i - 1] === bb[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    }
    prev = cur;
  }
  return prev[bb.length]!;
}

/** Similarity in [0,1]: shared characters in order, relative to both lengths. */
export function similarity(a: string, b: string): number {
  const la = [...a].length;
  const lb = [...b].length;
  if (la + lb === 0) return 1;
  return (2 * lcsLength(a, b)) / (la + lb);
}

/** Splits a list of e-mail addresses written in one cell. */
export function splitEmails(cell: string): string[] {
  return cell
    .split(/[\s,，;；、|]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export const EMAIL_PATTERN = /^[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+$/;

/** A stable JSON text for comparing records: keys sorted. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
