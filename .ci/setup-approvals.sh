#!/usr/bin/env bash
# What test/approvals needs: Chromium at /usr/bin/chromium for the approval-page test, driven by the
# playwright-core devDependency (never `npx playwright install`: we use the distribution's browser).
# Idempotent: checks first, installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x /usr/bin/chromium ]]; then
  echo "installing chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi

