// Bundles workflows/ once, as Temporal's production sample does, into
// .tools/workflow-bundles/<key>.js, where `duban worker` and `duban up` find
// it (worker/workflow-bundle.ts). scripts/setup.sh runs it when no bundle of
// the current sources exists; the Dockerfile runs it at image build.
//   node --import tsx scripts/build-workflow-bundle.ts
import path from 'node:path';
import { bundleAndKeep } from '../worker/workflow-bundle.ts';
import { projectRoot } from '../lib/tools.ts';

const started = performance.now();
const { key, written, bundle } = await bundleAndKeep();
if (!written) {
  process.stderr.write(
    `工作流包未能写入 .tools/workflow-bundles/（源码在打包期间不断变化，或目录不可写）；worker 启动时将现场打包\n`,
  );
  process.exit(1);
}
process.stderr.write(
  `已构建工作流包 ${path.relative(projectRoot, written)}（${(bundle.code.length / 1e6).toFixed(1)} MB，键 ${key}，用时 ${((performance.now() - started) / 1000).toFixed(1)} 秒）\n`,
);
