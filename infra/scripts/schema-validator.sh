#!/usr/bin/env bash
# Verifies a Tideline stack without changing it: migrations applied, event-store and
# read-model tables and indexes, the events immutability triggers, the audit triggers of
# migration 0103, the author_recent_entries materialized view and its unique index, and
# Redis (reachable, notify-keyspace-events, maxmemory-policy). Prints one line per check.
# Same as `pnpm feed doctor`. Exits non-zero when any check fails (warnings pass).
set -euo pipefail
# shellcheck source=run-feed-cli.sh
source "${BASH_SOURCE[0]%/*}/run-feed-cli.sh"
run_feed_cli schema-validator.sh doctor "$@"
