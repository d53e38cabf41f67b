// The kinds of failure Duban knows, defined once, in the core: workflow
// handlers and validators throw them as ApplicationFailures whose `type` is
// the kind, so a caller on the other side of Temporal (the CLI, the web, the
// inbox) knows what happened from the type, never from the message text.
// lib/errors.ts maps each kind to an exit code and an HTTP status.
import { ApplicationFailure } from '@temporalio/common';

export const FAILURE_KINDS = ['BadInput', 'NotFound', 'Refused', 'Conflict', 'Unavailable'] as const;
/**
 * BadInput: the input is malformed (a date that does not exist, an empty reason).
 * NotFound: what it names does not exist (a task, a report, a message).
 * Refused: well-formed, but the rules say no (a closed period, a closed task).
 * Conflict: it contradicts what is already there (a different decision, a busy database).
 * Unavailable: a part Duban needs cannot be reached now; trying again later may work.
 */
export type FailureKind = (typeof FAILURE_KINDS)[number];

export function isFailureKind(value: unknown): value is FailureKind {
  return typeof value === 'string' && (FAILURE_KINDS as readonly string[]).includes(value);
}

/**
 * An ApplicationFailure of a kind, with a Chinese message for people. Only
 * Unavailable may be retried: the others give the same answer every time.
 */
export function failure(
  kind: FailureKind,
  message: string,
  details?: Record<string, unknown>,
): ApplicationFailure {
  return ApplicationFailure.create({
    type: kind,
    message,
    nonRetryable: kind !== 'Unavailable',
    ...(details ? { details: [details] } : {}),
  });
}

export const badInput = (message: string, details?: Record<string, unknown>) =>
  failure('BadInput', message, details);
export const notFound = (message: string, details?: Record<string, unknown>) =>
  failure('NotFound', message, details);
export const refused = (message: string, details?: Record<string, unknown>) =>
  failure('Refused', message, details);
export const conflict = (message: string, details?: Record<string, unknown>) =>
  failure('Conflict', message, details);
