#!/usr/bin/env bash
# A stand-in for the Proxmox VE tools (pct, pveam, pvesm, pvesh, pveum) and `ip` for test/deploy/ct.test.ts: it
# appends its name and arguments to $FAKE_PVE_LOG and answers the few queries ct/tailwarden.sh makes, from
# environment variables:
#   FAKE_STORAGES        storages that exist (space-separated)
#   FAKE_TEMPLATES       what `pveam available --section system` lists (space-separated template names)
#   FAKE_CONTAINERS      container ids that exist (space-separated)
#   FAKE_PVE_ROLES       roles, FAKE_PVE_USERS users, FAKE_PVE_TOKENS token ids of tailwarden@pve that exist
#   FAKE_PVE_SECRET      the secret `pveum user token add` prints
#   FAKE_BRIDGE_IP       the IPv4 address `ip -4 -o addr show dev BRIDGE` reports (none: no address)
#   FAKE_CT_ROOT         a directory standing in for the container's root: `pct push` copies there, and the
#                        container-side grep and environment-file merge run against it
set -euo pipefail
tool=$(basename "$0")
printf '%s\n' "$tool $*" >>"$FAKE_PVE_LOG"
has() { case " $1 " in *" $2 "*) return 0 ;; *) return 1 ;; esac; }
json_list() { # json_list KEY "WORDS": [{"KEY":"word"},…] as pveum --output-format json prints it
  local sep='' out='['
  for word in $2; do out+="$sep{\"$1\":\"$word\"}"; sep=,; done
  printf '%s]\n' "$out"
}

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
    shift 3 # exec ID --
    case "$*" in
      *"tailscale status --json"*) echo '{"Self": {"DNSName": "tailwarden.example.ts.net."}}' ;;
      *tailscale-up.log*) echo "https://login.tailscale.com/a/0123456789" ;;
    esac
    if [ -n "${FAKE_CT_ROOT:-}" ]; then
      # The two container-side steps of the Proxmox API set-up, run against the stand-in root.
      if [ "${1:-}" = grep ]; then exec grep "$2" "$3" "$FAKE_CT_ROOT$4"; fi
      if [ "${1:-} ${2:-} ${4:-}" = "bash -c merge-env" ]; then exec bash -c "$3" merge-env "$FAKE_CT_ROOT$5" "$FAKE_CT_ROOT$6"; fi
    fi ;;
  "pct push")
    # Keep what was pushed, to check what travelled as a file (and not on a command line).
    cp "$3" "$FAKE_PVE_LOG.push.$(basename "$4")"
    if [ -n "${FAKE_CT_ROOT:-}" ]; then mkdir -p "$FAKE_CT_ROOT$(dirname "$4")" && cp "$3" "$FAKE_CT_ROOT$4"; fi ;;
  "pveum role")
    [ "$2" != list ] || json_list roleid "${FAKE_PVE_ROLES:-}" ;;
  "pveum user")
    case "$2 ${3:-}" in
      "list "*) json_list userid "${FAKE_PVE_USERS:-}" ;;
      "token list") json_list tokenid "${FAKE_PVE_TOKENS:-}" ;;
      "token add") printf '{"full-tokenid":"%s!%s","info":{"privsep":"1"},"value":"%s"}\n' "$4" "$5" "${FAKE_PVE_SECRET:-}" ;;
    esac ;;
  "ip -4")
    [ -z "${FAKE_BRIDGE_IP:-}" ] || printf '3: %s    inet %s/24 brd 192.168.1.255 scope global %s\n' "$6" "$FAKE_BRIDGE_IP" "$6" ;;
esac
exit 0
