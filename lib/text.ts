// Small text helpers shared by mail, pages and reports.

/** One line, no control characters: safe in a mail header, whatever the task text holds. */
export function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex
  const controls = /[\r\n\t\u0000-\u001f\u007f\u2028\u2029]+/g;
  return value
    .replace(controls, ' ')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

/** At most `max` characters of a text on one line, with an ellipsis when cut. */
export function shorten(text: string, max: number): string {
  const t = oneLine(text);
  return t.length > max ? t.slice(0, max) + '…' : t;
}
