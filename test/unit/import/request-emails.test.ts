// A unit's addresses: every address of 联系邮箱 may report and receives the
// mails, unless the directory's 收件邮箱 column names the ones that receive
// them (they may report too). From the units file to the mail's recipients.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readDirectory, requestEmailsOf } from '../../../client/import/directory.ts';
import { composeMail, unitAddresses } from '../../../activities/mail/compose.ts';
import { loadConfig } from '../../../lib/config.ts';

describe('收件邮箱', () => {
  it('reads the column, keeps the addresses allowed to report, and mails only them', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'duban-request-emails-'));
    try {
      const file = path.join(dir, 'units.csv');
      writeFileSync(
        file,
        [
          '单位名称,联系邮箱,收件邮箱,分管领导邮箱',
          '区交通局,jtj@units.test;jtj-b@units.test,jtj-office@units.test,leader@units.test',
          '区财政局,czj@units.test、czj-b@units.test,,',
          '区水利局,slj@units.test,not-an-address,',
        ].join('\n'),
      );
      const { directory, errors } = await readDirectory(file);
      expect(errors).toEqual([
        expect.objectContaining({ row: 4, column: '收件邮箱', value: 'not-an-address' }),
      ]);
      const jtj = directory.get('区交通局')!;
      expect(jtj.emails).toEqual(['jtj@units.test', 'jtj-b@units.test', 'jtj-office@units.test']);
      expect(requestEmailsOf(jtj.attributes)).toEqual(['jtj-office@units.test']);
      const czj = directory.get('区财政局')!;
      expect(requestEmailsOf(czj.attributes)).toEqual([]);

      // the mails: to the marked address, or to every registered one
      expect(unitAddresses({ ...jtj, requestEmails: requestEmailsOf(jtj.attributes) })).toEqual([
        'jtj-office@units.test',
      ]);
      expect(unitAddresses({ ...czj })).toEqual(['czj@units.test', 'czj-b@units.test']);
      const mail = composeMail(
        {
          step: 'notice/区财政局',
          kind: 'notice',
          unit: { name: '区财政局', emails: czj.emails, leaderEmails: [] },
          cc: [
            {
              name: '区交通局',
              emails: jtj.emails,
              leaderEmails: [],
              requestEmails: ['jtj-office@units.test'],
            },
          ],
          about: { topic: 'notice', role: 'lead', coUnits: ['区交通局'] },
          at: 0,
        },
        {
          workflowId: 'duban/x/1',
          task: { taskSetId: 'x', seq: '1', category: '重点工作', text: '测试', deadline: '2022-12-31' },
          taskSet: { name: '测试', year: 2022 },
          config: loadConfig({ DUBAN_HOME: dir, TOKEN_SECRET: 'r'.repeat(40) }),
        },
      )!;
      expect(mail.to).toEqual(['czj@units.test', 'czj-b@units.test']);
      expect(mail.cc).toEqual(['jtj-office@units.test']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
