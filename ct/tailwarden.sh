#!/usr/bin/env bash
# tailwarden on Proxmox VE: creates an unprivileged Debian 12 LXC container, puts it on your tailnet and installs
# the gateway in it. Run on the Proxmox host (PVE 8.1 or newer) as root:
#   bash -c "$(curl -fsSL https://raw.githubusercontent.com/tailwarden/tailwarden/v0.1.0/ct/tailwarden.sh)"
# Options: ct/tailwarden.sh --help. Upgrade an existing container: --update CTID.
set -Eeuo pipefail

TAILWARDEN_VERSION=${TAILWARDEN_VERSION:-0.1.0}
# Pinned to the release tag, never to a moving branch.
RAW_URL=${TAILWARDEN_RAW_URL:-https://raw.githubusercontent.com/tailwarden/tailwarden/v$TAILWARDEN_VERSION}
LISTEN_PORT=8080

CTID='' HOSTNAME_CT=tailwarden STORAGE=local-lvm TEMPLATE_STORAGE=local BRIDGE=vmbr0 CORES=2 MEMORY=1024 DISK=8
DOCKER=0 ADMIN=0 YES=0 UPDATE='' AUTHKEY=${TS_AUTHKEY:-} PVE_API=0 PVE_URL='' PVE_FINGERPRINT=''
# The least-privilege Proxmox identity --proxmox-api creates for the gateway (see docs/proxmox.md).
PVE_USER=tailwarden@pve PVE_ROLE=TailwardenGateway PVE_TOKEN=gateway
PVE_PRIVS=VM.Audit,VM.PowerMgmt,VM.Snapshot,VM.Snapshot.Rollback,VM.Backup,VM.Config.CPU,VM.Config.Memory,VM.Config.Options,Datastore.Audit,Datastore.AllocateSpace,Sys.Audit
# Where this node keeps its certificates (only tests point it elsewhere).
PVE_LOCAL_DIR=${PVE_LOCAL_DIR:-/etc/pve/local}

say() { printf '==> %s\n' "$*"; }
die() {
  printf 'error: %s\n' "$1" >&2
  [ -z "${2:-}" ] || printf '  what to do: %s\n' "$2" >&2
  exit 1
}

usage() {
  cat <<EOF
Usage: tailwarden.sh [options]          (on the Proxmox VE host, as root)

Creates an unprivileged Debian 12 container with tailwarden ${TAILWARDEN_VERSION}, joined to your tailnet.
  --ctid ID               container id (default: the next free one)
  --hostname NAME         container and tailnet name (default: $HOSTNAME_CT)
  --storage NAME          storage for the root disk (default: $STORAGE)
  --template-storage NAME storage that holds templates (default: $TEMPLATE_STORAGE)
  --bridge NAME           network bridge (default: $BRIDGE)
  --cores N               CPU cores (default: $CORES)
  --memory MiB            memory (default: $MEMORY)
  --disk GiB              root disk size (default: $DISK)
  --docker                install Docker in the container and let the gateway use it (enables nesting and keyctl;
                          Docker access is ROOT-EQUIVALENT inside the container)
  --enable-admin-actions  let the gateway control units and packages in the container
  --authkey KEY           Tailscale auth key (or set TS_AUTHKEY); without it the login URL is printed
  --proxmox-api           let the gateway use this host's Proxmox API: creates (or reuses) the user $PVE_USER,
                          the role $PVE_ROLE and a privilege-separated API token, stores the token secret and
                          the pinned certificate fingerprint in the container and enables the proxmox module
  --proxmox-url URL       the API URL the container reaches this host at (default: https://<$BRIDGE address>:8006)
  --update CTID           upgrade tailwarden in an existing container to ${TAILWARDEN_VERSION}
  -y, --yes               no dialog: take the defaults and the flags
  -h, --help              this help
EOF
}

need_value() { if [ $# -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value" "see --help"; fi; }
while [ $# -gt 0 ]; do
  case $1 in
    --ctid) need_value "$@"; CTID=$2; shift ;;
    --hostname) need_value "$@"; HOSTNAME_CT=$2; shift ;;
    --storage) need_value "$@"; STORAGE=$2; shift ;;
    --template-storage) need_value "$@"; TEMPLATE_STORAGE=$2; shift ;;
    --bridge) need_value "$@"; BRIDGE=$2; shift ;;
    --cores) need_value "$@"; CORES=$2; shift ;;
    --memory) need_value "$@"; MEMORY=$2; shift ;;
    --disk) need_value "$@"; DISK=$2; shift ;;
    --docker) DOCKER=1 ;;
    --enable-admin-actions) ADMIN=1 ;;
    --authkey) need_value "$@"; AUTHKEY=$2; shift ;;
    --proxmox-api) PVE_API=1 ;;
    --proxmox-url) need_value "$@"; PVE_URL=$2; PVE_API=1; shift ;;
    --update) need_value "$@"; UPDATE=$2; shift ;;
    -y | --yes) YES=1 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option: $1" "see --help" ;;
  esac
  shift
done

for tool in pct pveam pvesm pvesh; do
  command -v "$tool" >/dev/null || die "$tool not found: this script runs on a Proxmox VE host" "run it in the Proxmox host's shell"
done
[ "$(id -u)" = 0 ] || die "run as root on the Proxmox host"

number() { case $2 in '' | *[!0-9]*) die "$1 must be a number, not \"$2\"" ;; esac; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Fetches install.sh of the pinned release into $WORK/install.sh.
fetch_installer() {
  curl -fsSL "$RAW_URL/install.sh" -o "$WORK/install.sh" ||
    die "could not download $RAW_URL/install.sh" "check the Proxmox host's network and TAILWARDEN_VERSION"
}

in_ct() { pct exec "$CTID" -- "$@"; }

run_installer() {
  pct push "$CTID" "$WORK/install.sh" /root/tailwarden-install.sh --perms 0700
  in_ct bash /root/tailwarden-install.sh --yes --version "$TAILWARDEN_VERSION" "$@" ||
    die "install.sh failed inside container $CTID (its message is above)" "fix the cause, then: $0 --update $CTID"
}

# Checks for --proxmox-api before anything is changed: pveum, the API certificate's fingerprint, the API URL.
check_proxmox_api() {
  command -v pveum >/dev/null || die "pveum not found: the Proxmox API set-up runs on a Proxmox VE host"
  command -v openssl >/dev/null || die "openssl not found" "apt-get install openssl"
  local cert=$PVE_LOCAL_DIR/pveproxy-ssl.pem
  # pveproxy serves pveproxy-ssl.pem when there is one (a custom or ACME certificate), else pve-ssl.pem.
  [ -f "$cert" ] || cert=$PVE_LOCAL_DIR/pve-ssl.pem
  PVE_FINGERPRINT=$(openssl x509 -in "$cert" -noout -fingerprint -sha256 2>/dev/null | sed 's/^[^=]*=//') ||
    die "cannot read the API certificate $cert"
  case $PVE_FINGERPRINT in ??:*) ;; *) die "cannot read the fingerprint of $cert" ;; esac
  if [ -z "$PVE_URL" ]; then
    local address
    address=$(ip -4 -o addr show dev "$BRIDGE" 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -n1)
    [ -n "$address" ] || die "bridge $BRIDGE has no IPv4 address to reach the API at" "pass --proxmox-url https://HOST:8006"
    PVE_URL="https://$address:8006"
  fi
  case $PVE_URL in https://*) ;; *) die "--proxmox-url must start with https://" ;; esac
}

# The gateway's own Proxmox API identity: a user with a role holding only what the tools need, and a
# privilege-separated token with its own ACL. Idempotent: an existing role is brought up to date, an existing user
# and ACLs are kept, an existing token is kept when the container already holds its secret (Proxmox shows a secret
# only once; otherwise the token is made anew). The secret travels as a 0600 file, never on a command line.
setup_proxmox_api() {
  local fingerprint=$PVE_FINGERPRINT url=$PVE_URL secret='' full="$PVE_USER!$PVE_TOKEN"
  say "Proxmox API: role $PVE_ROLE, user $PVE_USER, token $full"
  if pveum role list --output-format json | grep -Eq "\"roleid\": *\"$PVE_ROLE\""; then
    pveum role modify "$PVE_ROLE" --privs "$PVE_PRIVS" >/dev/null
  else
    pveum role add "$PVE_ROLE" --privs "$PVE_PRIVS" >/dev/null
  fi
  pveum user list --output-format json | grep -Eq "\"userid\": *\"$PVE_USER\"" ||
    pveum user add "$PVE_USER" --comment "tailwarden MCP gateway (API token only)" >/dev/null
  pveum acl modify / --users "$PVE_USER" --roles "$PVE_ROLE" >/dev/null
  local exists=0
  pveum user token list "$PVE_USER" --output-format json | grep -Eq "\"tokenid\": *\"$PVE_TOKEN\"" && exists=1
  if [ "$exists" = 1 ] && in_ct grep -q '^TAILWARDEN_PROXMOX_TOKEN_SECRET=.' /etc/tailwarden/tailwarden.env; then
    say "keeping the existing token $full (its secret is in the container already)"
  else
    [ "$exists" = 0 ] || pveum user token remove "$PVE_USER" "$PVE_TOKEN" >/dev/null
    secret=$(pveum user token add "$PVE_USER" "$PVE_TOKEN" --privsep 1 --comment "tailwarden gateway in CT $CTID" \
      --output-format json | sed -n 's/.*"value" *: *"\([^"]*\)".*/\1/p')
    [ -n "$secret" ] || die "pveum did not return a token secret"
  fi
  pveum acl modify / --tokens "$full" --roles "$PVE_ROLE" >/dev/null

  (
    umask 077
    {
      echo "TAILWARDEN_MODULES_PROXMOX_ENABLED=true"
      printf "TAILWARDEN_MODULES_PROXMOX_CLUSTERS='[{\"name\":\"pve\",\"url\":\"%s\",\"token_id\":\"%s\",\"fingerprint\":\"%s\"}]'\n" \
        "$url" "$full" "$fingerprint"
      echo "TAILWARDEN_MODULES_PROXMOX_SELF_VMID=$CTID"
      [ -z "$secret" ] || printf 'TAILWARDEN_PROXMOX_TOKEN_SECRET=%s\n' "$secret"
    } >"$WORK/proxmox.env"
  )
  pct push "$CTID" "$WORK/proxmox.env" /root/.tailwarden-proxmox.env --perms 0600
  # Replaces the lines the snippet sets and keeps every other line of the environment file.
  # shellcheck disable=SC2016 # expanded by the container's shell
  in_ct bash -c 'set -e; env=$1; new=$2; umask 077; touch "$env"; cp "$env" "$env.tmp"
    while IFS= read -r line; do grep -v "^${line%%=*}=" "$env.tmp" >"$env.tmp2" || true; mv "$env.tmp2" "$env.tmp"; done <"$new"
    cat "$new" >>"$env.tmp"; chmod 0600 "$env.tmp"; mv "$env.tmp" "$env"; rm -f "$new"' \
    merge-env /etc/tailwarden/tailwarden.env /root/.tailwarden-proxmox.env ||
    die "could not write the Proxmox settings into container $CTID"
  in_ct systemctl try-restart tailwarden.service || true
  say "the proxmox module is on: $url, certificate pinned at $fingerprint"
}

if [ -n "$UPDATE" ]; then
  number --update "$UPDATE"
  CTID=$UPDATE
  pct status "$CTID" >/dev/null 2>&1 || die "there is no container $CTID" "see pct list"
  [ "$PVE_API" = 0 ] || check_proxmox_api
  fetch_installer
  say "upgrading tailwarden in container $CTID to $TAILWARDEN_VERSION"
  run_installer
  [ "$PVE_API" = 0 ] || setup_proxmox_api
  say "done: container $CTID runs tailwarden $TAILWARDEN_VERSION"
  exit 0
fi

[ -n "$CTID" ] || CTID=$(pvesh get /cluster/nextid)
if [ "$YES" = 0 ] && [ -t 0 ] && command -v whiptail >/dev/null; then
  dialog() { whiptail --title "tailwarden LXC" --inputbox "$1" 8 60 "$2" 3>&1 1>&2 2>&3 || die "cancelled"; }
  CTID=$(dialog "Container id" "$CTID")
  HOSTNAME_CT=$(dialog "Hostname (also the tailnet name)" "$HOSTNAME_CT")
  STORAGE=$(dialog "Storage for the root disk" "$STORAGE")
  BRIDGE=$(dialog "Network bridge" "$BRIDGE")
  CORES=$(dialog "CPU cores" "$CORES")
  MEMORY=$(dialog "Memory (MiB)" "$MEMORY")
  DISK=$(dialog "Disk (GiB)" "$DISK")
  whiptail --title "tailwarden LXC" --yesno "Install Docker in the container (root-equivalent for the gateway)?" 8 60 --defaultno && DOCKER=1
  whiptail --title "tailwarden LXC" --yesno "Let the gateway see and manage this host's guests through the Proxmox API (a least-privilege token)?" 8 60 --defaultno && PVE_API=1
fi
number --ctid "$CTID"
number --cores "$CORES"
number --memory "$MEMORY"
number --disk "$DISK"
case $HOSTNAME_CT in '' | *[!a-z0-9-]* | -*) die "--hostname \"$HOSTNAME_CT\": use lower-case letters, digits and -" ;; esac
pct status "$CTID" >/dev/null 2>&1 && die "container $CTID exists already" "pick another --ctid, or upgrade it with --update $CTID"
[ "$PVE_API" = 0 ] || check_proxmox_api

# Checks first, so a wrong storage or a missing template changes nothing.
pvesm status -storage "$STORAGE" >/dev/null 2>&1 || die "storage \"$STORAGE\" does not exist" "see pvesm status; pass --storage NAME"
pvesm status -storage "$TEMPLATE_STORAGE" >/dev/null 2>&1 ||
  die "template storage \"$TEMPLATE_STORAGE\" does not exist" "see pvesm status; pass --template-storage NAME"
say "looking for the Debian 12 template"
pveam update >/dev/null 2>&1 || true
TEMPLATE=$(pveam available --section system | awk '{print $2}' | grep -E '^debian-12-standard_.*_amd64\.tar\.(zst|gz|xz)$' | sort -V | tail -n1 || true)
[ -n "$TEMPLATE" ] || die "no Debian 12 template is available from pveam" "check the Proxmox host's network, then: pveam update; pveam available --section system"
if ! pveam list "$TEMPLATE_STORAGE" | grep -qF "$TEMPLATE"; then
  say "downloading $TEMPLATE"
  pveam download "$TEMPLATE_STORAGE" "$TEMPLATE" >/dev/null || die "pveam download $TEMPLATE failed" "check the space on $TEMPLATE_STORAGE"
fi
fetch_installer

FEATURES=()
[ "$DOCKER" = 0 ] || FEATURES=(--features "nesting=1,keyctl=1")
say "creating container $CTID ($HOSTNAME_CT): $CORES cores, $MEMORY MiB, $DISK GiB on $STORAGE, bridge $BRIDGE"
pct create "$CTID" "$TEMPLATE_STORAGE:vztmpl/$TEMPLATE" --hostname "$HOSTNAME_CT" --cores "$CORES" \
  --memory "$MEMORY" --swap 512 --rootfs "$STORAGE:$DISK" --net0 "name=eth0,bridge=$BRIDGE,ip=dhcp" \
  --unprivileged 1 "${FEATURES[@]}" --onboot 1 --tags tailwarden --ostype debian >/dev/null ||
  die "pct create failed" "see the message above"
# From here on a failure removes the half-made container.
remove_on_failure() {
  local status=$?
  rm -rf "$WORK"
  if [ "$status" != 0 ]; then
    echo "removing the half-made container $CTID" >&2
    pct stop "$CTID" >/dev/null 2>&1 || true
    pct destroy "$CTID" >/dev/null 2>&1 || true
  fi
  exit "$status"
}
trap remove_on_failure EXIT
# Tailscale needs a TUN device in the container.
pct set "$CTID" --dev0 /dev/net/tun,mode=0666
pct start "$CTID"

say "waiting for the container's network"
# shellcheck disable=SC2016 # expanded by the container's shell
in_ct bash -c 'for _ in $(seq 60); do getent hosts deb.debian.org >/dev/null && exit 0; sleep 1; done; exit 1' ||
  die "container $CTID has no network (DNS) after 60 s" "check bridge $BRIDGE and DHCP on it"
in_ct bash -c 'DEBIAN_FRONTEND=noninteractive apt-get update -q && apt-get install -y -q curl ca-certificates' >/dev/null ||
  die "apt-get failed in container $CTID"
INSTALL_FLAGS=(--listen "127.0.0.1:$LISTEN_PORT")
if [ "$DOCKER" = 1 ]; then
  say "installing Docker"
  in_ct bash -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io' >/dev/null || die "installing docker.io failed"
  INSTALL_FLAGS+=(--enable-docker)
fi
[ "$ADMIN" = 0 ] || INSTALL_FLAGS+=(--enable-admin-actions)

say "installing Tailscale"
in_ct bash -c 'curl -fsSL https://tailscale.com/install.sh | sh' >/dev/null || die "installing Tailscale failed"
LOGGED_IN=0
if [ -n "$AUTHKEY" ]; then
  # The key travels as a 0600 file, never on a command line.
  (umask 077 && printf '%s' "$AUTHKEY" >"$WORK/authkey")
  pct push "$CTID" "$WORK/authkey" /root/.tailscale-authkey --perms 0600
  in_ct tailscale up --auth-key=file:/root/.tailscale-authkey --hostname "$HOSTNAME_CT" ||
    { in_ct rm -f /root/.tailscale-authkey; die "tailscale up failed (is the auth key valid?)"; }
  in_ct rm -f /root/.tailscale-authkey
  LOGGED_IN=1
else
  in_ct bash -c "nohup tailscale up --hostname '$HOSTNAME_CT' >/var/log/tailscale-up.log 2>&1 &"
fi

say "installing tailwarden $TAILWARDEN_VERSION"
run_installer "${INSTALL_FLAGS[@]}"
trap 'rm -rf "$WORK"' EXIT
[ "$PVE_API" = 0 ] || setup_proxmox_api

if [ "$LOGGED_IN" = 1 ]; then
  in_ct tailscale serve --bg --https=443 "http://127.0.0.1:$LISTEN_PORT" >/dev/null
  DNS_NAME=$(in_ct tailscale status --json | sed -n 's/.*"DNSName": *"\([^"]*\)\.".*/\1/p' | head -n1)
  cat <<EOF

tailwarden runs in container $CTID and is published on your tailnet:
  MCP endpoint:  https://$DNS_NAME/mcp
  next:          pct exec $CTID -- tailwarden token create --name laptop --role operator
                 then set public_url: https://$DNS_NAME in /etc/tailwarden/config.yaml (pct enter $CTID)
EOF
else
  # shellcheck disable=SC2016 # expanded by the container's shell
  LOGIN_URL=$(in_ct bash -c 'for _ in $(seq 20); do grep -o "https://login.tailscale.com/[^ ]*" /var/log/tailscale-up.log && exit 0; sleep 1; done' | head -n1 || true)
  cat <<EOF

tailwarden runs in container $CTID. To put it on your tailnet:
  1. log in:    ${LOGIN_URL:-pct exec $CTID -- tailscale up --hostname $HOSTNAME_CT}
  2. publish:   pct exec $CTID -- tailscale serve --bg --https=443 http://127.0.0.1:$LISTEN_PORT
  3. a token:   pct exec $CTID -- tailwarden token create --name laptop --role operator
EOF
fi
