// The labelled lines: status, percent and reason are read only from lines
// that say what they are (状态：…, 进度：…, 原因：…), never guessed from prose,
// and a status may be written in any of its synonyms.
import type { ReportStatus } from '../../../workflows/types.ts';

/** Every way a unit may write a status, mapped to the six words. Longest first at a position. */
const STATUS_WORDS: [string, ReportStatus][] = [
  ['部分完成', '部分完成'],
  ['基本完成', '部分完成'],
  ['未完成', '未完成'],
  ['没有完成', '未完成'],
  ['尚未完成', '未完成'],
  ['全部完成', '完成'],
  ['已经完成', '完成'],
  ['已完成', '完成'],
  ['已办结', '完成'],
  ['完成', '完成'],
  ['正常推进', '推进中'],
  ['按计划推进', '推进中'],
  ['有序推进', '推进中'],
  ['推进中', '推进中'],
  ['进行中', '推进中'],
  ['正在推进', '推进中'],
  ['进度滞后', '滞后'],
  ['滞后', '滞后'],
  ['受阻', '受阻'],
  // Big5 writers (Hong Kong / Taiwan clients) use traditional characters
  ['推進中', '推进中'],
  ['進行中', '推进中'],
  ['正常推進', '推进中'],
  ['滯後', '滞后'],
  ['進度滯後', '滞后'],
];

export function normaliseStatus(value: string): { status: ReportStatus; word: string } | null {
  let best: { pos: number; word: string; status: ReportStatus } | null = null;
  for (const [word, status] of STATUS_WORDS) {
    const pos = value.indexOf(word);
    if (pos < 0) continue;
    if (!best || pos < best.pos || (pos === best.pos && word.length > best.word.length))
      best = { pos, word, status };
  }
  return best ? { status: best.status, word: best.word } : null;
}

const LABEL_BOUNDARY = String.raw`(?:^|[\s,，;；。、|【\[(（])`;
const STATUS_LABEL_RE = new RegExp(
  `${LABEL_BOUNDARY}(?:当前)?(?:状态|完成情况|进展情况|推进情况|任务状态|狀態|完成情況)[】\\])）]?\\s*(?::|\\s)\\s*(.*)$`,
);
const PERCENT_LABEL_RE = new RegExp(
  `${LABEL_BOUNDARY}(?:进度|完成率|完成进度|完成比例|完成度|总体进度|進度)[】\\])）]?\\s*(?::|\\s)?\\s*(?:约|达到|已达)?\\s*(\\d{1,3}(?:\\.\\d+)?)\\s*(%)?`,
);
const REASON_LABEL_RE = new RegExp(
  `${LABEL_BOUNDARY}(?:原因|情况说明|说明|存在问题|困难问题|滞后原因|受阻原因|原因說明)[】\\])）]?\\s*:\\s*(.+)$`,
);

/** Status, percent and reason from labelled lines only. */
export function readLabels(text: string): {
  status: ReportStatus | null;
  statusWord: string | null;
  percent: number | null;
  reason: string | null;
} {
  let status: ReportStatus | null = null;
  let statusWord: string | null = null;
  let percent: number | null = null;
  let reason: string | null = null;
  for (const raw of text.split('\n')) {
    // NFKC folds full-width colons, digits and ％ to ASCII
    const line = raw.normalize('NFKC');
    if (!status) {
      const m = STATUS_LABEL_RE.exec(line);
      const found = m ? normaliseStatus(m[1]!.split(/\s*(?:进度|完成率|原因|说明)\s*:/)[0]!) : null;
      if (found) {
        status = found.status;
        statusWord = found.word;
      }
    }
    if (percent === null) {
      const m = PERCENT_LABEL_RE.exec(line);
      if (m && (m[2] || /(?:进度|完成率|完成进度|完成比例|完成度|总体进度|進度)[】\])）]?\s*:/.test(line))) {
        const n = Math.round(Number(m[1]));
        if (n >= 0 && n <= 100) percent = n;
      }
    }
    if (!reason) {
      const m = REASON_LABEL_RE.exec(line);
      if (m) reason = raw.slice(raw.length - m[1]!.length).trim() || null;
    }
  }
  return { status, statusWord, percent, reason };
}
