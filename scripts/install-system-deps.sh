#!/usr/bin/env bash
# Debian packages the test suite needs: Dovecot (IMAP), PostgreSQL, Chromium, wrk (bench), npm (axe-core).
# Installs only what is missing; needs root (or sudo). Idempotent.
set -euo pipefail

need=()
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)
[ -x /usr/lib/postgresql/15/bin/initdb ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v npm >/dev/null 2>&1 || need+=(npm)  # axe-core for the accessibility tests

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "error: need root to run: $*" >&2; exit 1
  fi
}

if [ ${#need[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${need[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Root cannot own mail in Dovecot: the test instance runs mail as this system user (infra-notes §1).
if [ "$(id -u)" -eq 0 ] && ! id vmail >/dev/null 2>&1; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin vmail
fi
echo "==> system dependencies present: dovecot, postgresql, chromium, wrk, npm"
