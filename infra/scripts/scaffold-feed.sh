#!/usr/bin/env bash
# Sets up a Tideline stack: creates the database if missing, applies the migrations,
# applies infra/redis.conf's runtime settings to Redis with CONFIG SET and verifies them,
# and adds a sample event source (users, follows, activities). Safe to run again.
# Same as `pnpm feed init`; extra arguments pass through (e.g. --no-sample).
# Exits non-zero, with a one-line reason, on any failure.
set -euo pipefail
# shellcheck source=run-feed-cli.sh
source "${BASH_SOURCE[0]%/*}/run-feed-cli.sh"
run_feed_cli scaffold-feed.sh init "$@"
