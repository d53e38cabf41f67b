// The rules of every update as plain functions (workflows/office-actions.ts),
// without a server: a validator answers any input — odd values in every field
// of a valid one — with nothing or a failure of a kind with a Chinese reason,
// and never throws; whatever it lets through, the handler applies without
// throwing. A report by signal is taken or refused, never thrown.
import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { TaskMachine, type TaskWorkflowInput } from '../../../workflows/state.ts';
import { OFFICE_ACTIONS, type OfficeAction } from '../../../workflows/office-actions.ts';
import { takeReport } from '../../../workflows/reports.ts';
import { FAILURE_KINDS } from '../../../workflows/failures.ts';
import { atChinaTime } from '../../../workflows/calendar.ts';
import { DEFAULT_SETTINGS, type ReportInput } from '../../../workflows/types.ts';

const CHINESE = /[\u4e00-\u9fff]/;
const by = '督查室';
const unit = (name: string) => ({ name, emails: [`${name}@units.test`], leaderEmails: [] });

const input: TaskWorkflowInput = {
  taskSetId: 'set',
  seq: '1',
  category: '重点工作',
  text: '测试任务',
  year: 2022,
  deadline: '2022-06-30',
  lead: [unit('区水利局')],
  co: [unit('区交通局')],
  settings: DEFAULT_SETTINGS,
  calendar: { holidays: [], workdays: [] },
  searchAttributes: false,
};

const JANUARY = atChinaTime('2022-01-18', '10:00');
/** after the final report's due date: the office may decide */
const JULY = atChinaTime('2022-07-04', '10:00');

const janReport: ReportInput = {
  key: 'jan-1',
  period: '2022-01',
  unit: '区水利局',
  status: '推进中',
  percent: 50,
  text: '进展正常',
  channel: 'web',
  receivedAt: JANUARY,
};

/** A task in January with one report and one pending 延期申请, or in July, waiting for the verdict. */
function machineAt(now: number): TaskMachine {
  const machine = new TaskMachine(structuredClone(input), 'duban/set/1', atChinaTime('2022-01-04', '08:00'));
  machine.advance(JANUARY);
  takeReport(machine, janReport, JANUARY);
  OFFICE_ACTIONS.requestExtension.apply(
    machine,
    { key: 'ext-1', unit: '区水利局', newDeadline: '2022-09-30', reason: '汛期', receivedAt: JANUARY },
    JANUARY,
  );
  if (now > JANUARY) machine.advance(now);
  machine.takeEffects();
  return machine;
}

/** A valid input of each update, and the moment it is sent. */
const VALID: { [Name in keyof typeof OFFICE_ACTIONS]: { at: number; input: Record<string, unknown> } } = {
  submitReport: { at: JANUARY, input: { ...janReport, key: 'jan-2', unit: '区交通局' } },
  returnReport: { at: JANUARY, input: { reportKey: 'jan-1', reason: '内容过简', by } },
  requestExtension: {
    at: JANUARY,
    input: { key: 'ext-2', unit: '区水利局', newDeadline: '2022-08-31', reason: '汛期', receivedAt: JANUARY },
  },
  decideExtension: { at: JANUARY, input: { key: 'ext-1', approve: true, by, reason: '同意' } },
  extendDeadline: { at: JANUARY, input: { newDeadline: '2022-09-30', reason: '汛期', approver: '张三' } },
  reassign: {
    at: JANUARY,
    input: { lead: [unit('区商务委')], co: [unit('区交通局')], reason: '职能调整', by },
  },
  suspend: { at: JANUARY, input: { reason: '等待批复', by } },
  resume: { at: JANUARY, input: { reason: '已批复', by } },
  withdraw: { at: JANUARY, input: { reason: '不再单列', by } },
  officeVerdict: { at: JULY, input: { verdict: '部分完成', reason: '抽查', by } },
};

const ODD_VALUES: unknown[] = [
  undefined,
  null,
  '',
  '   ',
  0,
  -1,
  1.5,
  Number.NaN,
  true,
  [],
  {},
  [{}],
  { name: '区水利局' },
  'x'.repeat(5_000),
  '2022-02-30',
  '2022-13-45',
  '__proto__',
  'constructor',
  'a\u0000b',
];
const ODD_INPUTS: unknown[] = [undefined, null, 'x', 42, [], {}];

function expectKindOrNothing(refusal: unknown, what: string): void {
  if (refusal === undefined) return;
  expect(refusal, what).toBeInstanceOf(ApplicationFailure);
  const failure = refusal as ApplicationFailure;
  expect(FAILURE_KINDS, what).toContain(failure.type);
  expect(failure.message, what).toMatch(CHINESE);
}

describe('office action rules', () => {
  it('each valid input passes its validator and is applied', () => {
    for (const [name, { at, input: valid }] of Object.entries(VALID)) {
      const action = OFFICE_ACTIONS[name as keyof typeof OFFICE_ACTIONS] as OfficeAction<unknown>;
      const machine = machineAt(at);
      expect(action.validate(machine, valid, at), name).toBeUndefined();
      expect(action.apply(machine, valid, at), name).toMatchObject({ accepted: true });
    }
  });

  it('a validator answers any odd value with a kind and a Chinese reason, and never throws; the handler then never throws', () => {
    let refusals = 0;
    let passed = 0;
    for (const [name, { at, input: valid }] of Object.entries(VALID)) {
      const action = OFFICE_ACTIONS[name as keyof typeof OFFICE_ACTIONS] as OfficeAction<unknown>;
      const cases: { what: string; input: unknown }[] = [
        ...ODD_INPUTS.map((odd) => ({ what: `${name}(${String(odd)})`, input: odd })),
        ...Object.keys(valid).flatMap((field) =>
          ODD_VALUES.map((odd) => ({
            what: `${name}.${field} = ${JSON.stringify(odd)?.slice(0, 20)}`,
            input: { ...valid, [field]: odd },
          })),
        ),
      ];
      for (const { what, input: odd } of cases) {
        const machine = machineAt(at);
        let refusal: unknown;
        expect(() => (refusal = action.validate(machine, odd, at)), what).not.toThrow();
        expectKindOrNothing(refusal, what);
        if (refusal) refusals++;
        else {
          passed++;
          expect(() => action.apply(machine, odd, at), what).not.toThrow();
        }
      }
    }
    // most odd values are refused; a few are fine (an optional reason left out, '0' as a name)
    expect(refusals).toBeGreaterThan(passed * 3);
  });

  it('a date that does not exist is BadInput for every action that takes one', () => {
    const machine = machineAt(JANUARY);
    for (const newDeadline of ['2022-09-31', '2022-13-45', '2022-9-30']) {
      expect(
        OFFICE_ACTIONS.extendDeadline.validate(
          machine,
          { ...VALID.extendDeadline.input, newDeadline } as never,
          JANUARY,
        ),
      ).toMatchObject({
        type: 'BadInput',
        message: expect.stringContaining(`「${newDeadline}」不是有效日期`),
      });
      expect(
        OFFICE_ACTIONS.requestExtension.validate(
          machine,
          { ...VALID.requestExtension.input, newDeadline } as never,
          JANUARY,
        ),
      ).toMatchObject({ type: 'BadInput' });
    }
  });

  it('a report by signal is never thrown: odd ones are refused with a reason and kept', () => {
    const machine = machineAt(JANUARY);
    const odd: unknown[] = [
      ...ODD_INPUTS,
      ...Object.keys(janReport).flatMap((field) =>
        ODD_VALUES.map((value) => ({
          ...janReport,
          key: `odd-${field}-${String(value).slice(0, 10)}`,
          [field]: value,
        })),
      ),
    ];
    for (const report of odd) {
      let outcome: unknown;
      expect(() => (outcome = takeReport(machine, report as ReportInput, JANUARY))).not.toThrow();
      expect(outcome).toHaveProperty('accepted');
    }
    expect(machine.data.refusals.length).toBeGreaterThan(50);
    expect(machine.data.refusals.every((refusal) => CHINESE.test(refusal.reason))).toBe(true);
    // what was taken is well-formed: a percent is an integer 0–100
    for (const percent of Object.values(machine.data.lastPercent))
      expect(Number.isInteger(percent) && percent! >= 0 && percent! <= 100).toBe(true);
  });
});
