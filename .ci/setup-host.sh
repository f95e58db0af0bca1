#!/usr/bin/env bash
# Installs and starts what the test suite needs: apt packages, dockerd, the busybox test image.
# Idempotent: every step checks first, so it is cheap on a machine that already has it all.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(docker.io busybox-static openssh-server debootstrap shellcheck chromium git)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "starting dockerd"
  (dockerd >/var/log/dockerd-ci.log 2>&1 &)
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/dockerd-ci.log" >&2; exit 1; }
fi

bash .ci/build-test-images.sh

# Each feature brings its own idempotent setup script (.ci/setup-<topic>.sh).
for script in .ci/setup-*.sh; do
  [ "$script" = .ci/setup-host.sh ] && continue
  echo "running $script"
  bash "$script"
done
