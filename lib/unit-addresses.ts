// A unit's addresses as the directory keeps them (the Unit row): where its
// mail goes and who may report for it. Every address of Unit.emails may
// report; the mails go to the 收件邮箱 the directory marks (kept in
// Unit.attributes, ';' between addresses), else to every one of Unit.emails;
// 督办 goes to Unit.leaderEmails. The import writes them, the mail activity
// reads them as they are when a mail goes out (a mailbox changed mid-year
// takes effect at once), task inputs carry them at start.
import type { UnitRef } from '../workflows/types.ts';

/** Where a unit's 收件邮箱 are kept in Unit.attributes. */
export const REQUEST_EMAILS_ATTRIBUTE = '收件邮箱';

/** A unit's 收件邮箱 from its attributes (empty: mail goes to every registered address). */
export function requestEmailsOf(attributes: unknown): string[] {
  const value = (attributes as Record<string, unknown> | null)?.[REQUEST_EMAILS_ATTRIBUTE];
  return typeof value === 'string' ? value.split(';').filter(Boolean) : [];
}

/** A Unit row as the workflow's UnitRef. */
export function unitRefOf(row: {
  name: string;
  emails: string[];
  leaderEmails: string[];
  attributes: unknown;
}): UnitRef {
  const requestEmails = requestEmailsOf(row.attributes);
  return {
    name: row.name,
    emails: row.emails,
    leaderEmails: row.leaderEmails,
    ...(requestEmails.length ? { requestEmails } : {}),
  };
}
