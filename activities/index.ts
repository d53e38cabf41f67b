// Every activity the worker registers, built from its dependencies.
export { createActivities, recordReport, type ActivityDeps, type TaskActivities } from './apply-effects.ts';
