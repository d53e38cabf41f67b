// The guides:
//   GET /help/office   docs/office-manual.md (the desk, signed in)
//   GET /help/units    docs/units-guide.md (the units' listener; the desk shows it too)
import { html, raw } from '../../../lib/html.ts';
import type { DeskRoutes } from '../routing.ts';
import { page } from '../layout.ts';
import { renderGuide } from '../markdown.ts';

export const GUIDES = {
  office: { file: 'office-manual.md', title: '督查室操作手册' },
  units: { file: 'units-guide.md', title: '责任单位报送指南' },
} as const;

/** The guide's body, or a Chinese "暂无" when the file is not there. */
export async function guideBody(
  which: keyof typeof GUIDES,
): Promise<{ title: string; body: ReturnType<typeof html> }> {
  const g = GUIDES[which];
  const doc = await renderGuide(g.file);
  if (!doc)
    return {
      title: g.title,
      body: html`<h2>${g.title}</h2><p class="muted" id="no-guide">暂无：${g.title}尚未编写（docs/${g.file}）。</p>`,
    };
  return { title: doc.title, body: html`<article class="doc" id="guide">${raw(doc.html)}</article>` };
}

export function helpRoutes(routes: DeskRoutes): void {
  for (const which of ['office', 'units'] as const) {
    routes.add(
      'GET',
      `/help/${which}`,
      'reader',
      async (_request, _reply, ctx) => {
        const g = await guideBody(which);
        return page(g.title, g.body, ctx);
      },
      'help',
    );
  }
}
