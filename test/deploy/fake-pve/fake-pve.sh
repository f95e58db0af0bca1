#!/usr/bin/env bash
# A stand-in for the Proxmox VE tools (pct, pveam, pvesm, pvesh) for test/deploy/ct.test.ts: it appends its name
# and arguments to $FAKE_PVE_LOG and answers the few queries ct/tailwarden.sh makes, from environment variables:
#   FAKE_STORAGES        storages that exist (space-separated)
#   FAKE_TEMPLATES       what `pveam available --section system` lists (space-separated template names)
#   FAKE_CONTAINERS      container ids that exist (space-separated)
set -euo pipefail
tool=$(basename "$0")
printf '%s\n' "$tool $*" >>"$FAKE_PVE_LOG"
has() { case " $1 " in *" $2 "*) return 0 ;; *) return 1 ;; esac; }

case "$tool ${1:-}" in
  "pvesh get") echo 100 ;;
  "pvesm status") has "${FAKE_STORAGES:-}" "${3:-}" || { echo "storage '${3:-}' does not exist" >&2; exit 255; } ;;
  "pveam available")
    for template in ${FAKE_TEMPLATES:-}; do printf 'system          %s\n' "$template"; done ;;
  "pveam list") echo "NAME                                                        SIZE" ;;
  "pct status")
    if has "${FAKE_CONTAINERS:-}" "${2:-}"; then echo "status: running"; else
      echo "Configuration file 'nodes/pve/lxc/${2:-}.conf' does not exist" >&2
      exit 2
    fi ;;
  "pct exec")
    case "$*" in
      *"tailscale status --json"*) echo '{"Self": {"DNSName": "tailwarden.example.ts.net."}}' ;;
      *tailscale-up.log*) echo "https://login.tailscale.com/a/0123456789" ;;
    esac ;;
  "pct push")
    # Keep what was pushed, to check what travelled as a file (and not on a command line).
    cp "$3" "$FAKE_PVE_LOG.push.$(basename "$4")" ;;
esac
exit 0
