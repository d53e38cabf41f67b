#!/usr/bin/env bash
# The fault suite (README, .ci/run runs it after scripts/test.sh): Duban on
# real parts while they fail — `duban worker` SIGKILLed in the middle of a
# fan-out and after the SMTP peer took a mail, one of two workers killed, the
# SMTP server down for a simulated day, the Temporal dev server killed and
# restarted on its SQLite file. Every case ends with `duban audit verify`
# clean, every task closed, no report lost and no Message-ID twice at the
# SMTP peer. A few minutes: the suite waits for Temporal to notice dead
# workers, as production would.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec node_modules/.bin/vitest run -c vitest.faults.config.ts "$@"
