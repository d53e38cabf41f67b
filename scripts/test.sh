#!/usr/bin/env bash
# The one test command (README; .ci/run calls exactly this): installs what the
# tests need, then runs the whole vitest suite — unit tests, workflow tests on
# the time-skipping server, integration tests on the real PostgreSQL of this
# machine, SMTP and a private dovecot IMAP server.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

# Debian packages the integration tests use as real peers: dovecot (IMAP), and
# chromium with Chinese fonts for the browser tests (test/e2e, driven by
# playwright-core, which never downloads a browser of its own).
need_apt=()
command -v dovecot >/dev/null 2>&1 || need_apt+=(dovecot-imapd)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || need_apt+=(fonts-noto-cjk)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "[test] 安装 Debian 软件包：${need_apt[*]}" >&2
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >&2
  else
    sudo apt-get update -qq >&2 && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >&2
  fi
fi

# PostgreSQL must be up (the tests create and drop their own databases).
pg_url="${DUBAN_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
if ! node -e "const pg=require('pg');const c=new pg.Client('$pg_url');c.connect().then(()=>c.end()).catch(e=>{console.error(e.message);process.exit(1)})" 2>/dev/null; then
  echo "[test] 无法连接 PostgreSQL（$pg_url）。启动它：pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start" >&2
  exit 1
fi

# Static checks first: types, the lint rules (among them: no I/O imports in
# workflows/) and the formatting (Prettier; `npm run format` fixes it). A
# failure fails the run, after the tests have run too. The three run side by
# side: each is one thread (tsc ~25 s, eslint ~35 s with its type-aware
# rules, prettier ~10 s of CPU), so in turn they left a core idle for a
# minute; each one's output is printed whole when all are done.
static=0
echo "[test] 类型检查 (tsc)、代码规范 (eslint) 与格式 (prettier)…" >&2
checks=$(mktemp -d)
node_modules/.bin/tsc --noEmit -p . >"$checks/tsc" 2>&1 & tsc_pid=$!
node_modules/.bin/eslint . >"$checks/eslint" 2>&1 & eslint_pid=$!
node_modules/.bin/prettier --check --log-level warn . >"$checks/prettier" 2>&1 & prettier_pid=$!
wait $tsc_pid || static=1
cat "$checks/tsc"
wait $eslint_pid || static=1
cat "$checks/eslint"
if ! wait $prettier_pid; then
  cat "$checks/prettier"
  echo "[test] 格式不符：运行 npm run format 修正" >&2
  static=1
fi
rm -rf "$checks"

results=.tools/vitest-results.json
rm -f "$results"
status=0
node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?
[ $static -eq 0 ] || echo "[test] 类型检查、代码规范或格式未通过（见上）" >&2
# A plain closing line any CI can read.
if [ -f "$results" ]; then
  node -e "const r=require('./$results');console.log('vitest: '+r.numPassedTests+' passed, '+r.numFailedTests+' failed, '+(r.numPendingTests+r.numTodoTests)+' skipped')"
fi
[ $status -ne 0 ] && exit $status
exit $static
