// The quoted history and the signature: where a reply's own words end. Ours
// rather than an npm stripper's, because those miss most Chinese clients'
// quote headers (FACTS.md): 原始邮件 separators, 发件人/发送时间 header
// blocks (with or without colons), 写道 attributions Gmail wraps onto two
// lines, `--` signatures and "发自我的 iPhone" lines.
const SEPARATOR_RE =
  /^\s*[-—–]{2,}\s*(原始邮件|原始郵件|邮件原件|郵件原件|原邮件|回复的原邮件|转发的原邮件|转发邮件信息|转发的邮件|Original Message|Original|Forwarded message|Reply message)\s*[-—–]{2,}/i;
const HEADER_FROM_RE = /^\s*\**\s*(发件人|发信人|From)\s*\**\s*(?:[:：]|\s)\s*\S/i;
const HEADER_NEXT_RE =
  /^\s*\**\s*(发送时间|发件时间|日期|时间|Sent|Date|收件人|To|抄送|Cc|主题|Subject)\s*\**\s*(?:[:：]|\s)/i;
const ATTRIBUTION_END_RE = /(写道|寫道|wrote)\s*[:：]?\s*$/i;
const ATTRIBUTION_START_RE =
  /^\s*(在|On\s|于\s*\d)|于\s*\d{4}\s*[年-]|^\s*\d{4}\s*[年\-/.]\s*\d{1,2}|<[^>]*@|@/i;
const SIGNATURE_DASHES_RE = /^--\s?$/;
const SENT_FROM_RE =
  /^\s*(发自我的|来自我的|发自\s*(网易|QQ|139|手机|移动|Coremail|Foxmail|WPS|企业微信|华为|小米|荣耀|vivo|OPPO)|Sent from my\b|Get Outlook for\b|从我的\s*\S+\s*发送)/i;

/** The reply without the quoted original and the signature. */
export function stripQuotes(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let cut = lines.length;
  for (let i = 0; i < lines.length && i < cut; i++) {
    const line = lines[i]!;
    const t = line.trim();
    if (SEPARATOR_RE.test(line)) {
      cut = i;
      break;
    }
    if (/^_{8,}$/.test(t) && lines.slice(i + 1, i + 4).some((l) => HEADER_FROM_RE.test(l))) {
      cut = i;
      break;
    }
    if (HEADER_FROM_RE.test(line) && lines.slice(i + 1, i + 5).some((l) => HEADER_NEXT_RE.test(l))) {
      // an English "From x" needs its colon; 发件人 may go without
      if (/^\s*\**\s*From\b/i.test(line) && !/^\s*\**\s*From\s*\**\s*:/i.test(line)) continue;
      cut = i;
      break;
    }
    if (ATTRIBUTION_END_RE.test(t) && t.length < 240) {
      const prev = i > 0 ? lines[i - 1]!.trim() : '';
      if (ATTRIBUTION_START_RE.test(t) || /^On\s/i.test(t)) {
        // Gmail wraps "名字 <地址>" and "于2022年…写道：" onto two lines
        cut = /^\s*于\s*\d/.test(t) && prev && !/[。！？.!?]$/.test(prev) ? i - 1 : i;
        break;
      }
      // the attribution wrapped onto two lines
      if (prev && !/[。！？.!?]$/.test(prev) && (ATTRIBUTION_START_RE.test(prev) || /^On\s/i.test(prev))) {
        cut = i - 1;
        break;
      }
      if (/(写道|寫道)\s*[:：]\s*$/.test(t) && t.length < 80 && /[<"“]/.test(t)) {
        cut = i;
        break;
      }
    }
    if (SIGNATURE_DASHES_RE.test(line)) {
      cut = i;
      break;
    }
    if (SENT_FROM_RE.test(line) && t.length < 60) {
      cut = i;
      break;
    }
  }
  return lines
    .slice(0, cut)
    .filter((l) => !/^\s*>/.test(l))
    .join('\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
