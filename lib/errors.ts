// Failures with a kind. Every failure Duban reports to a person carries one
// of five kinds (workflows/failures.ts), whether it was thrown here, in an
// activity, or by a workflow's update validator on the far side of Temporal;
// the kind alone decides the exit code and the HTTP status. Nothing anywhere
// branches on a message's text.
// The SDK's error classes from their own modules, not the packages' index:
// every command imports this file, and the indexes load the client's gRPC and
// protobuf stack (~0.3 s of CPU at each CLI start) for a few instanceof checks.
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common/lib/failure.js';
import { WorkflowNotFoundError } from '@temporalio/common/lib/errors.js';
import { FAILURE_KINDS, isFailureKind, type FailureKind } from '../workflows/failures.ts';

export { FAILURE_KINDS, type FailureKind };

/** A failure of a kind, with a Chinese message and (for --json) details a script can read. */
export class DubanError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = `${kind}Error`;
  }
}

/** The input is malformed: a date that does not exist, a missing option, an unreadable file. */
export class BadInputError extends DubanError {
  constructor(message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super('BadInput', message, details, options);
  }
}

/** What the input names does not exist: a task set, a task, a message. */
export class NotFoundError extends DubanError {
  constructor(message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super('NotFound', message, details, options);
  }
}

/** Well-formed, but the rules say no: the workflow refused, the role may not. */
export class RefusedError extends DubanError {
  constructor(message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super('Refused', message, details, options);
  }
}

/** It contradicts what is already there: a different decision, a database in use. */
export class ConflictError extends DubanError {
  constructor(message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super('Conflict', message, details, options);
  }
}

/** A part Duban needs cannot be reached now (Temporal, the database, the mail server). */
export class UnavailableError extends DubanError {
  constructor(message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super('Unavailable', message, details, options);
  }
}

const EXIT_CODES: Record<FailureKind, number> = {
  BadInput: 2,
  Refused: 2,
  NotFound: 1,
  Conflict: 1,
  Unavailable: 1,
};
const HTTP_STATUSES: Record<FailureKind, number> = {
  BadInput: 400,
  Refused: 403,
  NotFound: 404,
  Conflict: 409,
  Unavailable: 503,
};

/** gRPC status codes that mean "the server is not there now". */
const UNAVAILABLE_GRPC = new Set([4 /* DEADLINE_EXCEEDED */, 14 /* UNAVAILABLE */]);

/**
 * `e instanceof ServiceError` (@temporalio/client) without loading the client:
 * the SDK's instanceof for its errors is this very check of a marker symbol
 * (SymbolBasedInstanceOfError in @temporalio/common's type-helpers), so it
 * holds across copies of the package too. A ServiceError exists only where
 * the client was loaded anyway.
 */
function isServiceError(e: Error): boolean {
  return (e as unknown as Record<symbol, unknown>)[Symbol.for('__temporal_isServiceError')] === true;
}

/** The first failure of a known kind along an error's chain of causes, or undefined. */
function kindAndCarrier(err: unknown): { kind: FailureKind; carrier: Error } | undefined {
  const seen = new Set<unknown>();
  for (let e: unknown = err; e instanceof Error && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    if (e instanceof DubanError) return { kind: e.kind, carrier: e };
    if (e instanceof ApplicationFailure && isFailureKind(e.type)) return { kind: e.type, carrier: e };
    if (e instanceof WorkflowNotFoundError || e.name === 'WorkflowNotFoundError')
      return { kind: 'NotFound', carrier: e };
    if (e instanceof WorkflowExecutionAlreadyStartedError) return { kind: 'Conflict', carrier: e };
    if (isServiceError(e) && UNAVAILABLE_GRPC.has((e as Error & { code?: number }).code ?? -1)) {
      return { kind: 'Unavailable', carrier: e };
    }
  }
  return undefined;
}

/** The kind of a failure, from Duban's own errors or Temporal's, or undefined for a bug. */
export function kindOf(err: unknown): FailureKind | undefined {
  return kindAndCarrier(err)?.kind;
}

/** The message a person should read: that of the failure that carries the kind. */
export function messageOf(err: unknown): string {
  const found = kindAndCarrier(err);
  if (found) return found.carrier.message;
  return err instanceof Error ? err.message : String(err);
}

/** Details a script can read (--json), from a Duban error or an ApplicationFailure's first detail. */
export function detailsOf(err: unknown): Record<string, unknown> | undefined {
  const carrier = kindAndCarrier(err)?.carrier;
  if (carrier instanceof DubanError) return carrier.details;
  if (carrier instanceof ApplicationFailure) {
    const first = carrier.details?.[0];
    return first && typeof first === 'object' ? (first as Record<string, unknown>) : undefined;
  }
  return undefined;
}

/** The CLI's exit code: 2 for bad input and refusals, 1 for everything else (bugs included). */
export function exitCodeOf(err: unknown): number {
  const kind = kindOf(err);
  return kind ? EXIT_CODES[kind] : 1;
}

/** The web's status: 400, 403, 404, 409, 503 by kind; 500 for a bug. */
export function httpStatusOf(err: unknown): number {
  const kind = kindOf(err);
  return kind ? HTTP_STATUSES[kind] : 500;
}
