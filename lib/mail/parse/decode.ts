// Decoding what mailparser leaves to us: the charsets Chinese clients
// mislabel, RFC 2047 words in the headers we read raw, and HTML-only replies
// turned into text (cut where the client's quoted original begins).
import iconv from 'iconv-lite';

// Clients mislabel GBK and GB18030 text as gb2312; browsers decode all three
// with GB18030, and so do we (iconv-lite's gbk table lacks the 4-byte range).
function mapCharset(charset: string): string {
  const c = charset.trim().toLowerCase();
  if (/^(gb2312|gb_2312(-80)?|csgb2312|gbk|x-gbk|cp936|ms936|windows-936|chinese|euc-cn|gb18030)$/.test(c))
    return 'gb18030';
  if (/^(big5|big5-hkscs|x-big5|cn-big5|cp950)$/.test(c)) return 'big5hkscs';
  return c;
}

/** The `Iconv` mailparser is given for bodies: decodes with our charset mapping. */
export function GbAwareIconv(charset: string): NodeJS.ReadWriteStream {
  const mapped = mapCharset(charset);
  return iconv.decodeStream(iconv.encodingExists(mapped) ? mapped : 'utf8');
}

/** RFC 2047 words decoded with our charset mapping (mailparser's header path uses plain GBK). */
export function decodeMimeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[bq]\?[^?]*\?=)\s+(?==\?)/gi, '$1')
    .replace(
      /=\?([^?*]+)(?:\*[^?]*)?\?([bq])\?([^?]*)\?=/gi,
      (_m, charset: string, enc: string, data: string) => {
        const bytes =
          enc.toLowerCase() === 'b'
            ? Buffer.from(data, 'base64')
            : Buffer.from(
                data
                  .replace(/_/g, ' ')
                  .replace(/=([0-9a-f]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
                'latin1',
              );
        const mapped = mapCharset(charset);
        return iconv.encodingExists(mapped) ? iconv.decode(bytes, mapped) : bytes.toString('utf8');
      },
    );
}

// ---------------------------------------------------------------- HTML

const ENTITIES: Record<string, string> = {
  nbsp: ' ',
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
  ldquo: '“',
  rdquo: '”',
  lsquo: '‘',
  rsquo: '’',
  mdash: '—',
  hellip: '…',
  middot: '·',
  ensp: ' ',
  emsp: ' ',
  yen: '¥',
};

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

// Where the quoted original begins in an HTML reply, per client: Outlook's
// divRplyFwdMsg (and the border-top div of the desktop client), Gmail's
// gmail_quote, NetEase Mail Master's ntes-mailmaster-quote, 163/126's
// isReplyContent, Thunderbird's moz-cite-prefix, and any blockquote.
const HTML_QUOTE_MARKERS: RegExp[] = [
  /<div[^>]*\bid=["']?divRplyFwdMsg/i,
  /<div[^>]*\bid=["']?appendonsend/i,
  /<div[^>]*style=["'][^"']*border-top:\s*solid\s+#(?:E1E1E1|B5C4DF)/i,
  /<(?:div|blockquote)[^>]*\bclass=["'][^"']*gmail_quote/i,
  /<(?:div|blockquote)[^>]*\bclass=["'][^"']*ntes-mailmaster-quote/i,
  /<[a-z]+[^>]*\bid=["']?(?:isReplyContent|isForwardContent|origbody|reference_mail)/i,
  /<div[^>]*\bclass=["'][^"']*moz-cite-prefix/i,
  /<blockquote\b/i,
];

export function htmlToText(html: string): string {
  let h = html.replace(/<!--[\s\S]*?-->/g, '').replace(/<(head|style|script|title)\b[\s\S]*?<\/\1\s*>/gi, '');
  let cut = h.length;
  for (const re of HTML_QUOTE_MARKERS) {
    const m = re.exec(h);
    if (m && m.index < cut) cut = m.index;
  }
  h = h.slice(0, cut);
  h = h
    .replace(/\r?\n/g, ' ')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<li\b[^>]*>/gi, '\n- ')
    .replace(/<\/(p|div|tr|li|h[1-6]|table|ul|ol|pre|blockquote)\s*>/gi, '\n')
    // an opening block starts a line only if one is not already started
    .replace(/<(p|div|tr|h[1-6]|table|hr)\b[^>]*>/gi, '\uE000')
    .replace(/<\/t[dh]\s*>/gi, '\t')
    .replace(/<[^>]+>/g, '')
    .replace(/\uE000+/g, '\uE000')
    .replace(/(^|\n)\uE000/g, '$1')
    .replace(/\uE000/g, '\n');
  return decodeEntities(h)
    .split('\n')
    .map((l) => l.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
