# Sourced by scaffold-feed.sh: checks the toolchain, then runs `feed <command>` from the repo
# root, so the script and the CLI share one implementation.
# Reads DATABASE_URL and REDIS_URL (and REDIS_KEY_PREFIX) from the environment, like the CLI.

# shellcheck source=common.sh
source "${BASH_SOURCE[0]%/*}/common.sh"

run_feed_cli() {
  local script_name=$1
  shift
  local here root
  here=$(cd "${BASH_SOURCE[0]%/*}" && pwd) || return 1
  root=$(cd "$here/../.." && pwd) || return 1

  if ! command -v node >/dev/null 2>&1; then
    echo "$script_name: node not found on PATH; install Node.js 20.19 or newer" >&2
    return 127
  fi
  if ! command -v pnpm >/dev/null 2>&1; then
    echo "$script_name: pnpm not found on PATH; run 'corepack enable' (Node ships corepack) or install pnpm 10" >&2
    return 127
  fi
  if [ ! -d "$root/apps/cli/node_modules" ]; then
    echo "$script_name: dependencies are not installed; run 'pnpm install' in $root" >&2
    return 1
  fi

  echo "$script_name: DATABASE_URL=$(redact "${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tideline}") REDIS_URL=$(redact "${REDIS_URL:-redis://127.0.0.1:6379}")" >&2
  local status=0
  pnpm --silent --dir "$root" feed "$@" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "$script_name: FAILED (feed $* exited $status); see the lines above for the check and its fix" >&2
  fi
  return "$status"
}
