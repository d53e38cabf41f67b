// The worker's workflow bundle: every workflow type Duban registers.
export { taskWorkflow } from './task-workflow.ts';
