#!/usr/bin/env bash
# Builds tailwarden-test-debian:latest, a Debian 12 (bookworm) host with systemd as PID 1, for tests that
# install and run the gateway the way a user does (install.sh, the systemd unit). No registry: debootstrap
# from the configured Debian mirror, then `docker import`. Node is not in the image (Debian 12 ships 18, and
# the repository's own Node only exists after `npm ci`): tests copy it in (test/support/debian-host.ts).
# Idempotent: does nothing when the image exists. Run with --rebuild to replace it.
# Start it with:
#   docker run -d --tmpfs /run --tmpfs /run/lock -v /sys/fs/cgroup:/sys/fs/cgroup:ro --cap-add SYS_ADMIN \
#     tailwarden-test-debian:latest
set -euo pipefail

IMAGE=tailwarden-test-debian:latest
PACKAGES=systemd,systemd-sysv,dbus,openssh-server,curl,ca-certificates,procps,iproute2,sudo

if [ "${1:-}" != --rebuild ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  exit 0
fi
command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }

# The mirror this machine already uses (deb822 or one-line format), so the build needs no other network.
mirror=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1 || true)
[ -n "$mirror" ] || mirror=$(grep -hsE '^deb ' /etc/apt/sources.list | awk '{print $2}' | head -n1 || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

root=$(mktemp -d /var/tmp/tw-debian-root.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "debootstrap bookworm from $mirror"
debootstrap --variant=minbase --include="$PACKAGES" bookworm "$root" "$mirror" >"$root.log" 2>&1 || {
  tail -n 30 "$root.log" >&2
  echo "debootstrap failed (log: $root.log)" >&2
  exit 1
}
rm -f "$root.log"

# A container host: no getty, no units that need real hardware; keep journald and the rest.
chroot "$root" systemctl mask getty@tty1.service serial-getty@console.service systemd-udevd.service \
  systemd-udev-trigger.service systemd-modules-load.service sys-kernel-debug.mount \
  sys-kernel-tracing.mount >/dev/null 2>&1 || true
chroot "$root" systemctl set-default multi-user.target >/dev/null 2>&1
echo 'tw-test-debian' >"$root/etc/hostname"
: >"$root/etc/machine-id"
rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*

tar -C "$root" -c . | docker import \
  -c 'CMD ["/sbin/init"]' -c 'ENV container=docker' - "$IMAGE" >/dev/null
echo "built $IMAGE"
