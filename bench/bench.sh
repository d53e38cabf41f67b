#!/usr/bin/env bash
# `npm run bench`: installs what the benchmarks need (as scripts/test.sh does:
# the npm packages, the Temporal binaries, the Prisma client and the workflow
# bundle through scripts/setup.sh; Debian's dovecot for the IMAP backlog; a
# running PostgreSQL), then runs every benchmark (bench/run.ts) and prints
# the table; the figures also go to bench/results/latest.json.
#   npm run bench [-- --quick] [-- --only rehearsal,city] [-- --tasks 5000 --replies 5000]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

if ! command -v dovecot >/dev/null 2>&1 && [ ! -x /usr/sbin/dovecot ]; then
  echo "[bench] 安装 Debian 软件包：dovecot-imapd（积压回复收取基准用的真实 IMAP 服务器）" >&2
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >&2
  else
    sudo apt-get update -qq >&2 && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >&2
  fi
fi

pg_url="${DUBAN_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
if ! node -e "const pg=require('pg');const c=new pg.Client('$pg_url');c.connect().then(()=>c.end()).catch(e=>{console.error(e.message);process.exit(1)})" 2>/dev/null; then
  echo "[bench] 无法连接 PostgreSQL（$pg_url）。启动它：pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start" >&2
  exit 1
fi

exec node --import tsx bench/run.ts "$@"
