#!/usr/bin/env bash
# What the Docker module's tests need beyond setup-host.sh: a compose CLI.
# Debian 12 ships only docker-compose v1 (the `docker compose` v2 plugin is not packaged);
# the module uses `docker compose` when present and falls back to `docker-compose`.
# Idempotent: installs only when neither is available.
set -euo pipefail

if docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1; then
  exit 0
fi
echo "installing docker-compose"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq docker-compose >/dev/null
docker-compose version --short
