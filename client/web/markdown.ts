// The guides (docs/units-guide.md, docs/office-manual.md) as pages, through
// marked. The files are ours, but raw HTML in them is shown as text all the
// same: the pages stay script-free whatever a future edit puts there.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Marked } from 'marked';
import { escapeHtml } from '../../lib/html.ts';

const marked = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html: ({ text }) => escapeHtml(text),
    // links open where they point, but never as javascript:
    link({ href, title, tokens }) {
      const text = this.parser.parseInline(tokens);
      if (!/^(https?:|mailto:|\/|#|\.{0,2}\/?[\w-])/i.test(href) || /^\s*javascript:/i.test(href))
        return text;
      return `<a href="${escapeHtml(href)}"${title ? ` title="${escapeHtml(title)}"` : ''}>${text}</a>`;
    },
    image: ({ text }) => escapeHtml(text),
  },
});

export const DOCS_DIR = fileURLToPath(new URL('../../docs/', import.meta.url));

/** A guide rendered to HTML, or null when the file is not there (yet). */
export async function renderGuide(
  file: string,
  dir = DOCS_DIR,
): Promise<{ html: string; title: string } | null> {
  let text: string;
  try {
    text = await readFile(new URL(file, `file://${dir.endsWith('/') ? dir : dir + '/'}`), 'utf8');
  } catch {
    return null;
  }
  const title = /^#\s+(.+)$/m.exec(text)?.[1]?.trim() ?? file;
  return { html: marked.parse(text) as string, title };
}
