#!/usr/bin/env bash
# Installs (as root, from Debian) or checks what the tests that use real programs need.
#   bash scripts/e2e-deps.sh         the browser end-to-end tests: Chromium, nginx, squid, and the
#                                    playwright-core devDependency that drives Chromium
#   bash scripts/e2e-deps.sh redis   the Redis adapter interop test: redis-server
# The tests start their own nginx/squid/redis-server on free 127.0.0.1 ports; the packaged services apt
# may start (nginx on :80, squid on :3128, redis on :6379) are stopped so nothing relies on them.
set -euo pipefail

cd "$(dirname "$0")/.."

group=${1:-browser}
case "$group" in
  browser) NAMES=(chromium nginx squid) ;;
  redis) NAMES=(redis-server) ;;
  *) echo "e2e-deps: unknown group '$group' (browser or redis)" >&2; exit 2 ;;
esac

# binary name -> Debian package
declare -A PACKAGES=([chromium]=chromium [nginx]=nginx [squid]=squid [redis-server]=redis-server)
declare -A PATHS=([chromium]="/usr/bin/chromium" [nginx]="/usr/sbin/nginx" [squid]="/usr/sbin/squid" [redis-server]="/usr/bin/redis-server")

missing_packages() {
  local name
  for name in "${NAMES[@]}"; do
    if [[ ! -x "${PATHS[$name]}" ]] && ! command -v "$name" >/dev/null 2>&1; then
      printf '%s ' "${PACKAGES[$name]}"
    fi
  done
}

stop_packaged_service() {
  local service=$1
  if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
    systemctl stop "$service" >/dev/null 2>&1 || true
  elif command -v service >/dev/null 2>&1; then
    service "$service" stop >/dev/null 2>&1 || true
  fi
  # No init system (containers): stop the daemon by the PID in its packaged pid file only.
  local pidfile
  for pidfile in "/run/$service.pid" "/var/run/$service.pid" "/run/$service/$service.pid"; do
    if [[ -s "$pidfile" ]]; then
      kill -TERM "$(cat "$pidfile")" >/dev/null 2>&1 || true
    fi
  done
}

missing=$(missing_packages)
if [[ -n "$missing" ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "e2e-deps: missing: $missing" >&2
    echo "e2e-deps: install them as root: apt-get update && apt-get install -y $missing" >&2
    echo "e2e-deps: (or run this script as root: sudo bash scripts/e2e-deps.sh)" >&2
    exit 1
  fi
  echo "e2e-deps: installing $missing from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  # shellcheck disable=SC2086 # word splitting of the package list is intended
  apt-get install -y $missing
  stop_packaged_service nginx
  stop_packaged_service squid
  stop_packaged_service redis-server
  missing=$(missing_packages)
  if [[ -n "$missing" ]]; then
    echo "e2e-deps: still missing after apt-get install: $missing" >&2
    exit 1
  fi
fi

if [[ "$group" == redis ]]; then
  echo "e2e-deps: ok: $(redis-server --version)"
  exit 0
fi

if ! node -e "require.resolve('playwright-core')" >/dev/null 2>&1; then
  echo "e2e-deps: playwright-core is not installed: run \`npm install\` at the repository root" >&2
  echo "e2e-deps: (it is a root devDependency; never \`playwright install\`, the tests use Debian's chromium)" >&2
  exit 1
fi

chromium_version=$("${PATHS[chromium]}" --version 2>/dev/null || true)
echo "e2e-deps: ok: ${chromium_version:-chromium}, $(nginx -v 2>&1), $(squid -v | head -n 1)"
