// Bundles workflows/ once, as Temporal's production sample does, into
// .tools/workflow-bundles/<key>.js, where `duban worker` and `duban up` find
// it (worker/workflow-bundle.ts). scripts/setup.sh runs it when no bundle of
// the current sources exists; the Dockerfile runs it at image build.
//   node --import tsx scripts/build-workflow-bundle.ts
// A failure is one Chinese line (setup.sh runs before every ./duban command,
// so a workflow file mid-edit must not flood it); webpack's own report
// follows with DUBAN_DEBUG=true.
import path from 'node:path';
import { bundleAndKeep } from '../worker/workflow-bundle.ts';
import { projectRoot } from '../lib/tools.ts';
import { debugEnabled } from '../lib/config.ts';

const started = performance.now();
const report: string[] = [];
const collect = (message: string) => void report.push(message);
const logger = { log: collect, trace: collect, debug: collect, info: collect, warn: collect, error: collect };
const details = () =>
  debugEnabled()
    ? `\n${report.join('\n')}\n`
    : '（查看 webpack 的报告：DUBAN_DEBUG=true node --import tsx scripts/build-workflow-bundle.ts）\n';

try {
  const { key, written, bundle } = await bundleAndKeep({ logger });
  if (!written) {
    process.stderr.write(
      `工作流包未写入 .tools/workflow-bundles/（打包期间源码仍在变化，或目录不可写）；worker 启动时将现场打包\n`,
    );
    process.exit(1);
  }
  process.stderr.write(
    `已构建工作流包 ${path.relative(projectRoot, written)}（${(bundle.code.length / 1e6).toFixed(1)} MB，键 ${key}，用时 ${((performance.now() - started) / 1000).toFixed(1)} 秒）\n`,
  );
} catch {
  process.stderr.write(`工作流包构建失败：workflows/ 无法打包（语法或导入错误）${details()}`);
  process.exit(1);
}
