// HTML escaping for everything Duban renders: pages, HTML mail, reports.
// Every piece of user text goes through escapeHtml (task text, unit names,
// mail subjects come from outside); the html`` template escapes by default.

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Tagged template: interpolations are escaped unless wrapped in raw(). */
export class Raw {
  constructor(readonly html: string) {}
}
export const raw = (html: string) => new Raw(html);

export function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    const rendered = Array.isArray(v)
      ? v.map((x) => (x instanceof Raw ? x.html : escapeHtml(x))).join('')
      : v instanceof Raw
        ? v.html
        : escapeHtml(v);
    out += rendered + (strings[i + 1] ?? '');
  });
  return new Raw(out);
}
