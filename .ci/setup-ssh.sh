#!/usr/bin/env bash
# What the SSH fleet tests need beyond openssh-server (installed by setup-host.sh):
#  - ssh-keygen and script(1) on the machine (openssh-client, bsdutils);
#  - tailwarden-test-sshhost:latest, a Debian 12 image with systemd, sshd, sudo and a
#    `tailwarden` user, built with debootstrap and `docker import` (no registry).
# Idempotent: each step checks first.
set -euo pipefail

missing=()
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
command -v script >/dev/null || missing+=(bsdutils)
command -v debootstrap >/dev/null || missing+=(debootstrap)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
mkdir -p /run/sshd

IMAGE=tailwarden-test-sshhost:latest
if docker image inspect "$IMAGE" >/dev/null 2>&1; then exit 0; fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
echo "building $IMAGE (debootstrap bookworm; a few minutes)"
log=$(mktemp)
if ! debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,dbus,openssh-server,sudo,procps,iproute2 \
  bookworm "$root" http://deb.debian.org/debian >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "debootstrap failed (full log: $log)" >&2
  exit 1
fi
rm -f "$log"

# Fresh host keys per container: keys made at package install would be shared by every container.
rm -f "$root"/etc/ssh/ssh_host_*
mkdir -p "$root/etc/systemd/system/ssh.service.d"
cat >"$root/etc/systemd/system/ssh.service.d/keygen.conf" <<'UNIT'
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
UNIT
# Units a container does not need (or cannot run).
for unit in systemd-resolved.service getty@tty1.service console-getty.service systemd-timesyncd.service; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
# A unit that fails at boot: something for failed_services and a restart to find.
cat >"$root/etc/systemd/system/tw-broken.service" <<'UNIT'
[Unit]
Description=A service that fails until its flag file exists (tailwarden tests)
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'test -e /run/tw-fixed'
[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/tw-broken.service "$root/etc/systemd/system/multi-user.target.wants/tw-broken.service"

# The unprivileged login the gateway uses, with one exact sudo rule (as docs/ssh.md recommends).
chroot "$root" useradd --create-home --shell /bin/bash --groups systemd-journal tailwarden
cat >"$root/etc/sudoers.d/tailwarden" <<'SUDO'
tailwarden ALL=(root) NOPASSWD: /usr/bin/systemctl restart -- tw-broken.service
SUDO
chmod 0440 "$root/etc/sudoers.d/tailwarden"
echo 'tw-test-sshhost' >"$root/etc/hostname"
chroot "$root" apt-get clean

tar -C "$root" -c . | docker import -c 'CMD ["/sbin/init"]' - "$IMAGE" >/dev/null
echo "built $IMAGE"
