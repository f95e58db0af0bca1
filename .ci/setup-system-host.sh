#!/usr/bin/env bash
# Builds tailwarden-test-systemd:latest: a minimal Debian 12 root with systemd as PID 1, dbus and apt,
# for the system module's service, journal and package tests. Idempotent: does nothing when the image exists.
# Needs: debootstrap, docker, and Debian's package mirror (as configured in /etc/apt).
set -euo pipefail

IMAGE=tailwarden-test-systemd:latest
if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  exit 0
fi
command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap; }
mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
mirror=${mirror:-http://deb.debian.org/debian}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,procps,iproute2 bookworm "$root" "$mirror" >/dev/null
rm -f "$root"/etc/systemd/system/*.wants/getty* || true
# Containers have no consoles or udev to wait for.
for unit in getty.target console-getty.service systemd-udevd.service systemd-udev-trigger.service \
  systemd-firstboot.service systemd-resolved.service; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
echo 'tw-systemd-host' >"$root/etc/hostname"
rm -rf "$root"/var/cache/apt/archives/*.deb
tar -C "$root" -c . | docker import -c 'CMD ["/sbin/init"]' -c 'ENV container=docker' - "$IMAGE" >/dev/null
echo "built $IMAGE"
