#!/usr/bin/env bash
# Verifies a Tideline stack without changing it, with psql and redis-cli: migrations applied,
# event-store and read-model tables and indexes, the events immutability triggers, the audit
# triggers of migration 0103, the author_recent_entries materialized view and its unique
# index (all in infra/checks/postgres.sql, the statement `pnpm feed doctor` runs too), and
# Redis: reachable, notify-keyspace-events including infra/redis.conf's flags,
# maxmemory-policy as infra/redis.conf sets it (a warning only: a shared Redis may need
# another), and persistence (save, appendonly) that can restart Redis with feed state older
# than the event log (a warning too). Reads DATABASE_URL and REDIS_URL. Prints one line per check, as `feed doctor`
# does; exits 1 when any check fails (warnings pass), 127 when psql or redis-cli is missing.
set -euo pipefail

name=schema-validator.sh
here=$(cd "${BASH_SOURCE[0]%/*}" && pwd)
root=$(cd "$here/../.." && pwd)
database_url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tideline}
redis_url=${REDIS_URL:-redis://127.0.0.1:6379}

for tool in psql redis-cli; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$name: $tool not found on PATH; install it (Debian: apt-get install postgresql-client redis-tools)" >&2
    exit 127
  fi
done

# shellcheck source=common.sh
source "$here/common.sh"
echo "$name: DATABASE_URL=$(redact "$database_url") REDIS_URL=$(redact "$redis_url")" >&2

checks=0
failed=0
warned=0
# report <ok|warn|fail> <check> <message>: one line, as `feed doctor` prints it.
report() {
  local mark='ok  '
  case $1 in
    warn) mark=WARN; warned=$((warned + 1)) ;;
    fail) mark=FAIL; failed=$((failed + 1)) ;;
  esac
  checks=$((checks + 1))
  echo "$mark $2 — $3"
}
first_line() { printf '%s\n' "$1" | sed -n '/./{p;q;}'; }

# --- PostgreSQL: one statement, one row per check ---------------------------------------
# The migrations this checkout ships: the files under packages/*/src/migrations.
migrations=$(find "$root"/packages/*/src/migrations -name '[0-9]*.ts' ! -name '*.test.ts' \
  -exec basename {} .ts \; | sort | paste -sd, -)
if rows=$(psql "$database_url" -X -q -A -t -F $'\t' -v ON_ERROR_STOP=1 \
  -v expected_migrations="$migrations" -f "$root/infra/checks/postgres.sql" 2>&1); then
  while IFS=$'\t' read -r status check message; do
    [ -n "$check" ] && report "$status" "$check" "$message"
  done <<<"$rows"
else
  report fail 'postgres: checks' "$(first_line "$rows"); check DATABASE_URL and that PostgreSQL runs (a missing database: run \`pnpm feed init\`)"
fi

# --- Redis -----------------------------------------------------------------------------
rcli() { redis-cli -u "$redis_url" --no-auth-warning --raw "$@"; }
# conf <directive> <default>: its value in infra/redis.conf, quotes removed.
conf() {
  local value
  value=$(awk -v key="$1" '$1 == key { $1 = ""; sub(/^ +/, ""); print; exit }' "$root/infra/redis.conf")
  value=${value#\"}
  value=${value%\"}
  echo "${value:-$2}"
}
if pong=$(rcli PING 2>&1) && [ "$pong" = PONG ]; then
  report ok 'redis: reachable' 'PING answered'

  required=$(conf notify-keyspace-events Exe)
  current=$(rcli CONFIG GET notify-keyspace-events | sed -n 2p)
  have=$current
  [[ $current == *A* ]] && have+='g$lshzxetd' # A stands for all these classes
  missing=''
  for ((i = 0; i < ${#required}; i++)); do
    flag=${required:i:1}
    [[ $have == *"$flag"* ]] || missing+=$flag
  done
  if [ -n "$missing" ]; then
    report fail 'redis: notify-keyspace-events' "is \"$current\", lacks \"$missing\" of \"$required\"; run \`pnpm feed init\` or CONFIG SET notify-keyspace-events $current$missing"
  else
    report ok 'redis: notify-keyspace-events' "\"$current\" includes \"$required\""
  fi

  expected=$(conf maxmemory-policy noeviction)
  policy=$(rcli CONFIG GET maxmemory-policy | sed -n 2p)
  if [ "$policy" != "$expected" ]; then
    report warn 'redis: maxmemory-policy' "is $policy, infra/redis.conf uses $expected (an evicting policy can drop BullMQ job locks); CONFIG SET maxmemory-policy $expected unless this Redis is shared and needs $policy"
  else
    report ok 'redis: maxmemory-policy' "$expected"
  fi

  # Persistence that can restart Redis with feed state older than the event log.
  save=$(rcli CONFIG GET save | sed -n 2p)
  aof=$(rcli CONFIG GET appendonly | sed -n 2p)
  fsync=$(rcli CONFIG GET appendfsync | sed -n 2p)
  risks=''
  [ -n "${save// /}" ] && risks="RDB snapshots (save \"$save\")"
  if [ "$aof" = yes ] && [ "$fsync" != always ]; then
    risks+="${risks:+ and }an append-only file fsynced $fsync (appendonly yes)"
  fi
  if [ -n "$risks" ]; then
    report warn 'redis: persistence' "Redis $risks can restart it with feed state older than the event log; the worker then drops the feed keys within seconds and feeds regenerate from PostgreSQL, but reads are stale until it does: set save \"\" and appendonly no as infra/redis.conf does, unless this Redis is shared and needs them"
  else
    report ok 'redis: persistence' "save \"$save\", appendonly $aof: a restart cannot bring back older feed state"
  fi
else
  report fail 'redis: reachable' "$(first_line "$pong"); check REDIS_URL and that Redis runs"
fi

if [ "$failed" -gt 0 ]; then
  echo "$name: $failed check(s) failed, $warned warning(s)"
  echo "$name: FAILED; see the lines above for the check and its fix" >&2
  exit 1
fi
echo "$name: all $checks checks passed$([ "$warned" -gt 0 ] && echo ", $warned warning(s)")"
