// The kind of a failure that comes from Temporal's SDK, as the CLI and the web
// receive it: lib/errors.ts recognises the SDK's errors without loading the
// client package, so these are made by the real packages, from their indexes,
// as the client and the workflows throw them.
import { describe, expect, it } from 'vitest';
import { ServiceError } from '@temporalio/client';
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/common';
import { detailsOf, exitCodeOf, httpStatusOf, kindOf, messageOf } from '../../lib/errors.ts';

describe("kinds of the SDK's failures", () => {
  it('a server not there (gRPC 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED) is Unavailable, also as a cause', () => {
    const unavailable = Object.assign(new ServiceError('14 UNAVAILABLE: No connection established'), {
      code: 14,
    });
    expect(kindOf(unavailable)).toBe('Unavailable');
    expect(kindOf(Object.assign(new ServiceError('deadline'), { code: 4 }))).toBe('Unavailable');
    expect(kindOf(new Error('启动失败', { cause: unavailable }))).toBe('Unavailable');
    expect(exitCodeOf(unavailable)).toBe(1);
    expect(httpStatusOf(unavailable)).toBe(503);
  });

  it('any other service error, or a plain error with code 14, has no kind: a bug, exit 1, HTTP 500', () => {
    const invalid = Object.assign(new ServiceError('3 INVALID_ARGUMENT'), { code: 3 });
    expect(kindOf(invalid)).toBeUndefined();
    expect(httpStatusOf(invalid)).toBe(500);
    expect(kindOf(Object.assign(new Error('14 UNAVAILABLE'), { code: 14 }))).toBeUndefined();
  });

  it("a workflow's refusal keeps its kind, message and details; not found and already started too", () => {
    const refused = ApplicationFailure.create({
      type: 'Refused',
      message: '该任务已办结，不能延期',
      details: [{ task: '31' }],
      nonRetryable: true,
    });
    expect(kindOf(refused)).toBe('Refused');
    expect(exitCodeOf(refused)).toBe(2);
    expect(messageOf(new Error('update failed', { cause: refused }))).toBe('该任务已办结，不能延期');
    expect(detailsOf(refused)).toEqual({ task: '31' });
    expect(kindOf(ApplicationFailure.create({ type: 'SomethingElse', message: 'x' }))).toBeUndefined();
    expect(kindOf(new WorkflowNotFoundError('no such workflow', 'wf-1', undefined))).toBe('NotFound');
    expect(kindOf(new WorkflowExecutionAlreadyStartedError('started', 'wf-1', 'taskWorkflow'))).toBe(
      'Conflict',
    );
  });
});
