// A chart of lights over a year, drawn on the server as SVG (no script): for
// each week, how many of the tasks stood at green, yellow and red, from the
// LightChange rows the workflows projected. Presentation attributes only, so
// the CSP needs no inline style.
import { escapeHtml } from '../../../lib/html.ts';

export interface LightHistory {
  /** when the task's workflow started (before it the task is not counted) */
  since: Date | null;
  changes: { at: Date; to: string }[];
}

const COLORS: Record<string, string> = { green: '#188038', yellow: '#e37400', red: '#c5221f' };
const LABELS: Record<string, string> = { green: '绿灯', yellow: '黄灯', red: '红灯' };

/**
 * Weeks of the year (from 1 January, China time) and the count of tasks in
 * each light at each week's end; a week that begins after `until` (the
 * present) has no bar.
 */
export function weeklyLights(
  year: number,
  tasks: LightHistory[],
  until = Date.now(),
): { at: Date; green: number; yellow: number; red: number }[] {
  const start = Date.parse(`${year}-01-01T00:00:00+08:00`);
  const end = Date.parse(`${year + 1}-01-01T00:00:00+08:00`);
  const out: { at: Date; green: number; yellow: number; red: number }[] = [];
  const sorted = tasks.map((t) => ({
    since: t.since?.getTime() ?? start,
    changes: [...t.changes].sort((a, b) => a.at.getTime() - b.at.getTime()),
  }));
  for (let at = start; at < end; at += 7 * 86_400_000) {
    const sample = Math.min(at + 7 * 86_400_000 - 1, until); // the light at the end of the week
    const week = { at: new Date(at), green: 0, yellow: 0, red: 0 };
    if (at > until) {
      out.push(week);
      continue;
    }
    for (const t of sorted) {
      if (t.since > sample) continue;
      let light = 'green';
      for (const c of t.changes) if (c.at.getTime() <= sample) light = c.to;
      if (light === 'green' || light === 'yellow' || light === 'red') week[light]++;
    }
    out.push(week);
  }
  return out;
}

export function lightsChartSvg(
  year: number,
  tasks: LightHistory[],
  title: string,
  until = Date.now(),
): string {
  const weeks = weeklyLights(year, tasks, until);
  const width = 760;
  const height = 240;
  const left = 36;
  const bottom = 40;
  const top = 28;
  const plotW = width - left - 10;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...weeks.map((w) => w.green + w.yellow + w.red));
  const barW = plotW / weeks.length;
  const y = (n: number) => (n / max) * plotH;
  const bars = weeks
    .map((w, i) => {
      let base = top + plotH;
      return (['green', 'yellow', 'red'] as const)
        .map((light) => {
          const h = y(w[light]);
          base -= h;
          return h > 0
            ? `<rect class="bar" x="${(left + i * barW + 0.5).toFixed(1)}" y="${base.toFixed(1)}" width="${Math.max(barW - 1, 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[light]}"><title>${escapeHtml(`${w.at.toISOString().slice(0, 10)} 当周：${LABELS[light]} ${w[light]} 项`)}</title></rect>`
            : '';
        })
        .join('');
    })
    .join('');
  const months = Array.from({ length: 12 }, (_, m) => {
    const x =
      left +
      ((Date.parse(`${year}-${String(m + 1).padStart(2, '0')}-01T00:00:00+08:00`) -
        Date.parse(`${year}-01-01T00:00:00+08:00`)) /
        (7 * 86_400_000)) *
        barW;
    return `<line x1="${x.toFixed(1)}" y1="${top + plotH}" x2="${x.toFixed(1)}" y2="${top + plotH + 5}" stroke="#888"/><text x="${(x + 2).toFixed(1)}" y="${top + plotH + 18}" font-size="11" fill="#444">${m + 1}月</text>`;
  }).join('');
  const ticks = [0, Math.round(max / 2), max]
    .filter((v, i, a) => a.indexOf(v) === i)
    .map(
      (v) =>
        `<text x="${left - 6}" y="${(top + plotH - y(v) + 4).toFixed(1)}" font-size="11" fill="#444" text-anchor="end">${v}</text><line x1="${left}" y1="${(top + plotH - y(v)).toFixed(1)}" x2="${width - 10}" y2="${(top + plotH - y(v)).toFixed(1)}" stroke="#eee"/>`,
    )
    .join('');
  const legend = (['green', 'yellow', 'red'] as const)
    .map(
      (l, i) =>
        `<rect x="${width - 200 + i * 62}" y="8" width="12" height="12" fill="${COLORS[l]}"/><text x="${width - 184 + i * 62}" y="18" font-size="12" fill="#333">${LABELS[l]}</text>`,
    )
    .join('');
  return `<svg class="chart" id="lights-chart" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}"><title>${escapeHtml(title)}</title><text x="${left}" y="18" font-size="13" fill="#222">${escapeHtml(title)}</text>${legend}${ticks}${bars}<line x1="${left}" y1="${top + plotH}" x2="${width - 10}" y2="${top + plotH}" stroke="#888"/>${months}<text x="${left}" y="${height - 4}" font-size="11" fill="#666">每周末各灯任务数（${year} 年）</text></svg>`;
}
