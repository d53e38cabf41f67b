// Every message that came in, with what became of it as the WORKFLOW decided:
// the inbox row says what intake did (routed, held, refused, …); when it
// routed a report, the Report row with the message's reportKey says whether
// the task's workflow took it. A held reply the office let through and the
// workflow then refused is "refused", with the workflow's reason — never
// 已报送. For `duban inbox list` (scripts and auditors) and the office's inbox
// page alike. Read-only.
import { Prisma, type PrismaClient } from '../../lib/db.ts';

export interface InboxEntry {
  id: number;
  messageId: string;
  /** ISO time the message was taken in */
  receivedAt: string;
  /** imap / smtp / file / web */
  source: string;
  from: string | null;
  subject: string | null;
  /** applied / held / refused / auto-reply / bounce / unparseable / pending, as the workflow decided */
  outcome: string;
  /** why, in Chinese: the workflow's refusal when it refused the report */
  reason: string | null;
  /** what intake recorded on the message, before the workflow's answer */
  recordedOutcome: string;
  recordedReason: string | null;
  workflowId: string | null;
  unit: string | null;
  reportKey: string | null;
  attachments: number;
  /** the Report row the message became (null: none, or the workflow has not recorded it yet) */
  report: { accepted: boolean; period: string; refusalReason: string | null } | null;
}

interface Row {
  id: number;
  messageId: string;
  receivedAt: Date;
  source: string;
  fromAddr: string | null;
  subject: string | null;
  outcome: string;
  reason: string | null;
  workflowId: string | null;
  unitName: string | null;
  reportKey: string | null;
  attachments: bigint | number;
  accepted: boolean | null;
  period: string | null;
  refusalReason: string | null;
}

/** The outcome and reason once the workflow's answer (the Report row) is taken into account. */
export function decidedOutcome(
  recorded: { outcome: string; reason: string | null },
  report: InboxEntry['report'],
): { outcome: string; reason: string | null } {
  if (report && !report.accepted)
    return { outcome: 'refused', reason: `任务工作流拒收：${report.refusalReason ?? '未说明理由'}` };
  return recorded;
}

export async function listInbox(
  prisma: PrismaClient,
  filter: { outcomes?: string[] } = {},
): Promise<InboxEntry[]> {
  // one query, raw bytes left out: the inbox may hold thousands of messages
  const rows = await prisma.$queryRaw<Row[]>(Prisma.sql`
    SELECT m.id, m."messageId", m."receivedAt", m.source, m."fromAddr", m.subject, m.outcome, m.reason,
           m."workflowId", m."unitName", m."reportKey",
           (SELECT count(*) FROM "Attachment" a WHERE a."inboundMessageId" = m.id) AS attachments,
           r.accepted, r.period, r."refusalReason"
    FROM "InboundMessage" m
    LEFT JOIN "Report" r ON r.key = m."reportKey"
    ORDER BY m.id`);
  const entries = rows.map((row): InboxEntry => {
    const report =
      row.accepted === null
        ? null
        : { accepted: row.accepted, period: row.period ?? '', refusalReason: row.refusalReason };
    const decided = decidedOutcome(row, report);
    return {
      id: Number(row.id),
      messageId: row.messageId,
      receivedAt: new Date(row.receivedAt).toISOString(),
      source: row.source,
      from: row.fromAddr,
      subject: row.subject,
      outcome: decided.outcome,
      reason: decided.reason,
      recordedOutcome: row.outcome,
      recordedReason: row.reason,
      workflowId: row.workflowId,
      unit: row.unitName,
      reportKey: row.reportKey,
      attachments: Number(row.attachments),
      report,
    };
  });
  const wanted = filter.outcomes?.length ? new Set(filter.outcomes) : null;
  return wanted ? entries.filter((e) => wanted.has(e.outcome)) : entries;
}
