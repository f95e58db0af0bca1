#!/usr/bin/env bash
# What the watch module's tests need beyond setup-host.sh: Prometheus, run by the tests on
# loopback as a remote-write receiver (Debian 12 ships 2.42). Only the binary is used: the
# packaged service is stopped and disabled so nothing listens unless a test starts it.
# Idempotent: installs only when it is missing.
set -euo pipefail

if command -v prometheus >/dev/null 2>&1; then
  exit 0
fi
echo "installing prometheus"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends prometheus >/dev/null
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
# Without systemd the package's init script may have started it: stop that one.
if command -v service >/dev/null 2>&1; then service prometheus stop >/dev/null 2>&1 || true; fi
prometheus --version 2>&1 | head -1
