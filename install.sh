#!/usr/bin/env bash
# Install, upgrade or remove tailwarden, the MCP gateway for Tailscale-connected homelabs, as a systemd service.
# Debian 12/13 and Ubuntu 22.04/24.04. Run as root. `install.sh --help` lists the options.
#
#   code    /opt/tailwarden/<version>, /opt/tailwarden/current -> the running one (the previous one is kept)
#   node    /opt/tailwarden/bin/node (a link to a Node >= 22.18, or a copy of the one given by --node)
#   config  /etc/tailwarden/config.yaml, secrets /etc/tailwarden/tailwarden.env (0600)
#   state   /var/lib/tailwarden
#   unit    /etc/systemd/system/tailwarden.service, CLI /usr/local/bin/tailwarden
# `[ test ] && [ test ] || action` is used on purpose throughout: both sides before || are tests, never commands.
# shellcheck disable=SC2015
set -Eeuo pipefail
umask 022

TAILWARDEN_VERSION=${TAILWARDEN_VERSION:-0.1.0}
RELEASE_URL=${TAILWARDEN_RELEASE_URL:-https://github.com/tailwarden/tailwarden/releases/download}
NODE_MIN=22.18.0
NODESOURCE_MAJOR=22
PREFIX=/opt/tailwarden
ETC=/etc/tailwarden
STATE=/var/lib/tailwarden
UNIT=/etc/systemd/system/tailwarden.service
DROPINS=/etc/systemd/system/tailwarden.service.d
CLI=/usr/local/bin/tailwarden
POLKIT_RULE=/etc/polkit-1/rules.d/50-tailwarden.rules
SUDOERS=/etc/sudoers.d/tailwarden
SVC_USER=tailwarden

# ---------------------------------------------------------------------------------------------------- output
if [ -t 1 ]; then BOLD=$'\e[1m' RED=$'\e[31m' YELLOW=$'\e[33m' RESET=$'\e[0m'; else BOLD='' RED='' YELLOW='' RESET=''; fi
say() { printf '%s==>%s %s\n' "$BOLD" "$RESET" "$*"; }
warn() { printf '%swarning:%s %s\n' "$YELLOW" "$RESET" "$*" >&2; }
# die WHAT-FAILED [WHAT-TO-DO]
die() {
  printf '%serror:%s %s\n' "$RED" "$RESET" "$1" >&2
  [ -z "${2:-}" ] || printf '  what to do: %s\n' "$2" >&2
  exit 1
}

usage() {
  cat <<EOF
Usage: install.sh [options]

Installs tailwarden ${TAILWARDEN_VERSION} as a systemd service, or upgrades it in place (config and state are kept,
the previous version stays in ${PREFIX} for rollback). Interactive on a terminal unless --yes is given.

Source (default: download release ${TAILWARDEN_VERSION}):
  --from PATH              a release tarball (tailwarden-<version>.tgz) or a source checkout
  --version VERSION        download this release instead
  --node PATH              use this Node.js (>= ${NODE_MIN}) binary; it is copied to ${PREFIX}/bin/node.
                           Without it: the installed node if new enough, else the distribution's, else NodeSource's

First install (an existing config is never overwritten):
  --auth MODE              token (default): tokens made with \`tailwarden token create\`
                           tsidp: sign in through a Tailscale TSIDP (needs --tsidp-url), tokens as well
                           tailnet: trust tailnet identities (WhoIs), tokens as well
  --tsidp-url URL          the TSIDP issuer URL, e.g. https://idp.example.ts.net
  --public-url URL         the URL clients use, e.g. https://warden.example.ts.net
  --listen HOST:PORT       listen address (default 127.0.0.1:8080; publish it with \`tailscale serve\`)
  --enable-docker          let the gateway use the Docker engine (docker group: ROOT-EQUIVALENT)
  --enable-admin-actions   let the gateway control systemd units (polkit rule) and apt packages (sudoers)

Removal:
  --uninstall              stop and remove the service and the code; keep config and state
  --purge                  with --uninstall: remove config, state and the tailwarden user too

  -y, --yes                do not ask; take the defaults and the flags
  -h, --help               this help
EOF
}

# ---------------------------------------------------------------------------------------------------- arguments
FROM='' NODE_ARG='' AUTH='' TSIDP_URL='' PUBLIC_URL='' LISTEN='' YES=0 ENABLE_DOCKER=0 ENABLE_ADMIN=0
UNINSTALL=0 PURGE=0 VERSION_ARG=''
need_value() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value" "see install.sh --help"; }
while [ $# -gt 0 ]; do
  case $1 in
    --from) need_value "$@"; FROM=$2; shift ;;
    --version) need_value "$@"; VERSION_ARG=$2; shift ;;
    --node) need_value "$@"; NODE_ARG=$2; shift ;;
    --auth) need_value "$@"; AUTH=$2; shift ;;
    --tsidp-url) need_value "$@"; TSIDP_URL=$2; shift ;;
    --public-url) need_value "$@"; PUBLIC_URL=$2; shift ;;
    --listen) need_value "$@"; LISTEN=$2; shift ;;
    --enable-docker) ENABLE_DOCKER=1 ;;
    --enable-admin-actions) ENABLE_ADMIN=1 ;;
    --uninstall) UNINSTALL=1 ;;
    --purge) PURGE=1 ;;
    -y | --yes) YES=1 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option: $1" "see install.sh --help" ;;
  esac
  shift
done
[ "$PURGE" = 0 ] || [ "$UNINSTALL" = 1 ] || die "--purge only goes with --uninstall"
[ -z "$FROM" ] || [ -z "$VERSION_ARG" ] || die "give --from or --version, not both"

INTERACTIVE=0
if [ "$YES" = 0 ] && [ -t 0 ] && [ -t 1 ]; then INTERACTIVE=1; fi
# ask VAR "question" default
ask() {
  local answer
  if [ "$INTERACTIVE" = 1 ]; then
    read -r -p "$2 [$3]: " answer
    printf -v "$1" '%s' "${answer:-$3}"
  else
    printf -v "$1" '%s' "$3"
  fi
}
confirm() {
  [ "$INTERACTIVE" = 1 ] || return 0
  local answer
  read -r -p "$1 [Y/n]: " answer
  case $answer in [nN]*) return 1 ;; *) return 0 ;; esac
}

# ---------------------------------------------------------------------------------------------------- checks
[ "$(id -u)" = 0 ] || die "install.sh must run as root" "run it with sudo, or as root"
command -v systemctl >/dev/null && [ -d /run/systemd/system ] ||
  die "systemd is not running on this machine" "tailwarden installs as a systemd service; use a host or container booted with systemd"

check_os() {
  local id='' version_id=''
  # shellcheck disable=SC1091
  [ -r /etc/os-release ] && { id=$(. /etc/os-release && echo "${ID:-}"); version_id=$(. /etc/os-release && echo "${VERSION_ID:-}"); }
  case "$id:$version_id" in
    debian:12 | debian:13 | ubuntu:22.04 | ubuntu:24.04) ;;
    *) warn "untested system (${id:-unknown} ${version_id:-}): supported are Debian 12/13 and Ubuntu 22.04/24.04; going on" ;;
  esac
}

# version_ge A B: A >= B for dotted versions (a leading v is ignored)
version_ge() {
  local a b i
  IFS=. read -r -a a <<<"${1#v}"
  IFS=. read -r -a b <<<"${2#v}"
  for i in 0 1 2; do
    ((10#${a[i]:-0} > 10#${b[i]:-0})) && return 0
    ((10#${a[i]:-0} < 10#${b[i]:-0})) && return 1
  done
  return 0
}

node_version_of() { "$1" -e 'process.stdout.write(process.versions.node)' 2>/dev/null; }

# ---------------------------------------------------------------------------------------------------- uninstall
uninstall() {
  say "stopping and removing the tailwarden service"
  systemctl disable --now tailwarden.service >/dev/null 2>&1 || true
  rm -f "$UNIT" "$CLI" "$POLKIT_RULE" "$SUDOERS"
  rm -rf "$DROPINS"
  systemctl daemon-reload
  systemctl reset-failed tailwarden.service >/dev/null 2>&1 || true
  rm -rf "$PREFIX"
  if [ "$PURGE" = 1 ]; then
    say "purging config ($ETC), state ($STATE) and the $SVC_USER user"
    rm -rf "$ETC" "$STATE"
    if id "$SVC_USER" >/dev/null 2>&1; then userdel "$SVC_USER" >/dev/null 2>&1 || warn "could not remove user $SVC_USER"; fi
  else
    say "kept config ($ETC) and state ($STATE); remove them with: install.sh --uninstall --purge"
  fi
  say "tailwarden is uninstalled"
}

if [ "$UNINSTALL" = 1 ]; then
  if [ "$PURGE" = 1 ] && [ "$INTERACTIVE" = 1 ]; then
    confirm "Delete the config, tokens, keys and audit log for good?" || die "cancelled" "nothing was changed"
  fi
  uninstall
  exit 0
fi

check_os
if [ "$ENABLE_DOCKER" = 1 ]; then
  getent group docker >/dev/null || die "--enable-docker: there is no docker group (is Docker installed?)" "install Docker first, then run install.sh again"
fi

# ---------------------------------------------------------------------------------------------------- node
WORK=$(mktemp -d /tmp/tailwarden-install.XXXXXX)
STAGING=''
cleanup() {
  rm -rf "$WORK"
  [ -z "$STAGING" ] || rm -rf "$STAGING"
}
trap cleanup EXIT

apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >"$WORK/apt.log" 2>&1 ||
    { tail -n 20 "$WORK/apt.log" >&2; die "apt-get install $* failed" "fix the apt error above, then run install.sh again"; }
}

# Sets NODE (the binary to use) and NODE_COPY (1 when it must be copied under $PREFIX).
find_node() {
  NODE_COPY=0
  if [ -n "$NODE_ARG" ]; then
    [ -x "$NODE_ARG" ] || die "--node $NODE_ARG is not an executable file" "give the path of a node binary (>= $NODE_MIN)"
    NODE=$(readlink -f "$NODE_ARG")
    local v
    v=$(node_version_of "$NODE") || die "--node $NODE_ARG does not run" "check that it is a Node.js binary for this machine"
    version_ge "$v" "$NODE_MIN" || die "--node $NODE_ARG is Node $v; tailwarden needs $NODE_MIN or newer" "give a newer node"
    NODE_COPY=1
    return
  fi
  local candidate v
  for candidate in "$PREFIX/bin/node" "$(command -v node || true)" /usr/bin/node; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    v=$(node_version_of "$candidate") || continue
    if version_ge "$v" "$NODE_MIN"; then NODE=$(readlink -f "$candidate"); return; fi
  done
  command -v apt-get >/dev/null || die "no Node.js >= $NODE_MIN found and apt-get is missing" "install Node.js $NODE_MIN+ and pass --node PATH"
  say "installing Node.js (>= $NODE_MIN)"
  apt-get update -q >"$WORK/apt.log" 2>&1 || warn "apt-get update failed; trying with the package lists there are"
  local candidate_version
  candidate_version=$(apt-cache policy nodejs 2>/dev/null | awk '/Candidate:/ {print $2}' | sed 's/^[0-9]*://; s/[-~+].*//')
  if [ -n "$candidate_version" ] && [ "$candidate_version" != "(none)" ] && version_ge "$candidate_version" "$NODE_MIN"; then
    apt_install nodejs npm
  else
    say "the distribution's nodejs (${candidate_version:-none}) is too old: adding the NodeSource repository (Node $NODESOURCE_MAJOR)"
    apt_install ca-certificates curl gnupg
    install -d -m 0755 /etc/apt/keyrings
    curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | gpg --dearmor --yes -o /etc/apt/keyrings/nodesource.gpg ||
      die "could not fetch the NodeSource signing key" "check the network, or install Node.js $NODE_MIN+ yourself and pass --node PATH"
    echo "deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_$NODESOURCE_MAJOR.x nodistro main" \
      >/etc/apt/sources.list.d/nodesource.list
    apt-get update -q >"$WORK/apt.log" 2>&1 || { tail -n 20 "$WORK/apt.log" >&2; die "apt-get update failed after adding NodeSource"; }
    apt_install nodejs
  fi
  NODE=$(readlink -f "$(command -v node)")
  v=$(node_version_of "$NODE") && version_ge "$v" "$NODE_MIN" ||
    die "the installed node is ${v:-broken}, not >= $NODE_MIN" "install Node.js $NODE_MIN+ yourself and pass --node PATH"
}

# Sets NPM to a command array that runs npm with $NODE: npm beside the node binary, else the one on PATH.
find_npm() {
  local dir cli
  dir=$(dirname "$NODE")
  for cli in "$dir/../lib/node_modules/npm/bin/npm-cli.js" "$dir/npm" "$(command -v npm || true)" /usr/share/nodejs/npm/bin/npm-cli.js; do
    [ -n "$cli" ] && [ -e "$cli" ] || continue
    NPM=("$NODE" "$(readlink -f "$cli")")
    return
  done
  die "npm was not found" "install npm (apt-get install npm), or pass --node the bin/node of a Node.js distribution that has lib/node_modules/npm"
}

# ---------------------------------------------------------------------------------------------------- fetch and stage
# Unpacks the release into $STAGING and sets NEW_VERSION. Nothing outside $WORK and $STAGING is touched.
stage_release() {
  local src=$WORK/src
  mkdir -p "$src"
  if [ -z "$FROM" ]; then
    local version=${VERSION_ARG:-$TAILWARDEN_VERSION}
    FROM=$WORK/tailwarden-$version.tgz
    say "downloading tailwarden $version"
    curl -fsSL "$RELEASE_URL/v$version/tailwarden-$version.tgz" -o "$FROM" ||
      die "could not download $RELEASE_URL/v$version/tailwarden-$version.tgz" "check the version and the network, or use --from a tarball"
  fi
  if [ -d "$FROM" ]; then
    [ -f "$FROM/package.json" ] && [ -f "$FROM/bin/tailwarden.js" ] || die "$FROM is not a tailwarden checkout (no package.json or bin/tailwarden.js)"
    # The service runs the compiled JavaScript (dist/); a checkout builds it on `npm ci`, and again here if src/ changed.
    if [ -f "$FROM/scripts/build.js" ] && [ -d "$FROM/src" ]; then
      "$NODE" "$FROM/scripts/build.js" --if-stale --quiet >"$WORK/build.log" 2>&1 ||
        { cat "$WORK/build.log" >&2; die "$FROM: could not build dist/ from src/ (the error is above)" "run npm ci in $FROM (it installs esbuild and builds dist/), or install a release tarball (scripts/build-release.sh)"; }
    fi
    [ -f "$FROM/dist/cli.js" ] || die "$FROM has no dist/ (the compiled JavaScript)" "run npm ci in $FROM, or install a release tarball (scripts/build-release.sh)"
    local item
    for item in bin dist package.json package-lock.json docs deploy systemd README.md LICENSE; do
      [ ! -e "$FROM/$item" ] || cp -a "$FROM/$item" "$src/"
    done
  elif [ -f "$FROM" ]; then
    tar -xzf "$FROM" -C "$src" 2>"$WORK/tar.log" || die "$FROM is not a readable .tgz release ($(head -n1 "$WORK/tar.log"))" "download the release again"
    # npm pack puts everything under package/; a GitHub source archive under tailwarden-<version>/.
    local top
    top=$(find "$src" -mindepth 1 -maxdepth 1)
    if [ "$(printf '%s\n' "$top" | wc -l)" = 1 ] && [ -d "$top" ] && [ ! -e "$src/package.json" ]; then src=$top; fi
    [ -f "$src/package.json" ] && [ -f "$src/bin/tailwarden.js" ] && [ -f "$src/dist/cli.js" ] || die "$FROM does not contain tailwarden (no package.json, bin/tailwarden.js or dist/cli.js)"
  else
    die "--from $FROM does not exist" "give a release tarball or a checkout directory"
  fi
  NEW_VERSION=$("$NODE" -e 'const p=require(process.argv[1]);if(p.name!=="tailwarden")process.exit(2);process.stdout.write(p.version)' "$src/package.json") ||
    die "$FROM: package.json is not tailwarden's"
  case $NEW_VERSION in *[!0-9A-Za-z.+-]* | '') die "$FROM: odd version \"$NEW_VERSION\"" ;; esac

  mkdir -p "$PREFIX"
  STAGING=$(mktemp -d "$PREFIX/.staging-$NEW_VERSION.XXXXXX")
  cp -a "$src/." "$STAGING/"
  say "installing production dependencies (npm ci --omit=dev)"
  local npm_command=ci
  if [ ! -f "$STAGING/package-lock.json" ]; then
    warn "the release has no package-lock.json: dependency versions are not pinned (npm install)"
    npm_command=install
  fi
  # --ignore-scripts: no package's install script runs as root; nothing tailwarden needs has to build.
  (cd "$STAGING" && "${NPM[@]}" "$npm_command" --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error) >"$WORK/npm.log" 2>&1 ||
    { tail -n 25 "$WORK/npm.log" >&2; die "npm $npm_command failed; nothing was changed" "fix the npm error above (network? registry?) and run install.sh again"; }
  chown -R root:root "$STAGING"
  chmod -R u=rwX,go=rX "$STAGING"
  local reported
  reported=$("$NODE" --disable-warning=ExperimentalWarning "$STAGING/bin/tailwarden.js" --version 2>"$WORK/smoke.log") ||
    { cat "$WORK/smoke.log" >&2; die "the new version does not start with $NODE; nothing was changed"; }
  [ "$reported" = "$NEW_VERSION" ] || die "the new version reports \"$reported\", expected $NEW_VERSION; nothing was changed"
}

# ---------------------------------------------------------------------------------------------------- system changes
# Everything below may change the system. On failure, undo() puts it back: the previous version keeps running, and a
# first install leaves no service, no code and no config behind.
CHANGED=0 CREATED_USER=0 CREATED_CONFIG=0 CREATED_ENV=0 PREVIOUS='' BACKUP=$WORK/backup
undo() {
  warn "install failed: undoing"
  if [ -n "$PREVIOUS" ] && [ -d "$PREFIX/$PREVIOUS" ]; then
    ln -sfn "$PREVIOUS" "$PREFIX/current.new" && mv -T "$PREFIX/current.new" "$PREFIX/current"
    [ ! -f "$BACKUP/tailwarden.service" ] || cp -a "$BACKUP/tailwarden.service" "$UNIT"
    rm -rf "$DROPINS"
    [ ! -d "$BACKUP/dropins" ] || cp -a "$BACKUP/dropins" "$DROPINS"
    [ ! -f "$BACKUP/cli" ] || cp -a "$BACKUP/cli" "$CLI"
    [ -z "${NEW_VERSION:-}" ] || [ "$NEW_VERSION" = "$PREVIOUS" ] || rm -rf "${PREFIX:?}/$NEW_VERSION"
    systemctl daemon-reload
    note_restarts
    if systemctl restart tailwarden.service && { [ -z "${LISTEN_EFFECTIVE:-}" ] || probe_health "$PREVIOUS"; }; then
      warn "rolled back: tailwarden $PREVIOUS is running again"
    else
      warn "rolled back to $PREVIOUS, but it does not start either: see journalctl -u tailwarden"
    fi
    return
  fi
  systemctl disable --now tailwarden.service >/dev/null 2>&1 || true
  rm -f "$UNIT" "$CLI" "$POLKIT_RULE" "$SUDOERS"
  rm -rf "$DROPINS" "$PREFIX"
  systemctl daemon-reload
  systemctl reset-failed tailwarden.service >/dev/null 2>&1 || true
  [ "$CREATED_CONFIG" = 0 ] || rm -f "$ETC/config.yaml"
  [ "$CREATED_ENV" = 0 ] || rm -f "$ETC/tailwarden.env"
  rmdir "$ETC" 2>/dev/null || true
  if [ "$CREATED_USER" = 1 ]; then
    rm -rf "$STATE"
    userdel "$SVC_USER" >/dev/null 2>&1 || true
  fi
  warn "nothing is left installed; fix the problem above and run install.sh again"
}
on_exit() {
  local status=$?
  if [ "$status" != 0 ] && [ "$CHANGED" = 1 ]; then undo || true; fi
  cleanup
  exit "$status"
}
trap on_exit EXIT

ensure_user() {
  if ! id "$SVC_USER" >/dev/null 2>&1; then
    say "creating system user $SVC_USER"
    useradd --system --user-group --home-dir "$STATE" --no-create-home --shell /usr/sbin/nologin \
      --comment "tailwarden MCP gateway" "$SVC_USER" || die "useradd $SVC_USER failed"
    CREATED_USER=1
  fi
}

install_node() {
  mkdir -p "$PREFIX/bin"
  if [ "$NODE_COPY" = 1 ]; then
    mkdir -p "$PREFIX/node/bin"
    # Copy then rename: the running service may be executing the old binary.
    install -m 0755 "$NODE" "$PREFIX/node/bin/node.new"
    mv -f "$PREFIX/node/bin/node.new" "$PREFIX/node/bin/node"
    ln -sfn ../node/bin/node "$PREFIX/bin/node"
    # Keep the npm that came with it, so a later upgrade needs no --node.
    local npm_dir
    npm_dir=$(dirname "$(dirname "${NPM[1]}")")
    if [ "$(basename "$npm_dir")" = npm ] && [ "$npm_dir" != "$PREFIX/node/lib/node_modules/npm" ]; then
      rm -rf "$PREFIX/node/lib/node_modules/npm.new"
      mkdir -p "$PREFIX/node/lib/node_modules"
      cp -a "$npm_dir" "$PREFIX/node/lib/node_modules/npm.new"
      rm -rf "$PREFIX/node/lib/node_modules/npm"
      mv "$PREFIX/node/lib/node_modules/npm.new" "$PREFIX/node/lib/node_modules/npm"
    fi
  elif [ "$NODE" != "$(readlink -f "$PREFIX/bin/node" 2>/dev/null)" ]; then
    ln -sfn "$NODE" "$PREFIX/bin/node"
  fi
}

write_config() {
  install -d -m 0750 -o root -g "$SVC_USER" "$ETC"
  if [ -f "$ETC/config.yaml" ]; then
    [ -z "$LISTEN$PUBLIC_URL$AUTH$TSIDP_URL" ] ||
      warn "kept the existing $ETC/config.yaml and tailwarden.env: --auth, --listen, --public-url and --tsidp-url apply to a first install only; edit the files to change them"
    return
  fi
  ask AUTH "Authentication (token, tsidp, tailnet)" "${AUTH:-token}"
  case $AUTH in token | tsidp | tailnet) ;; *) die "--auth $AUTH: use token, tsidp or tailnet" ;; esac
  if [ "$AUTH" = tsidp ]; then
    ask TSIDP_URL "TSIDP issuer URL" "$TSIDP_URL"
    case $TSIDP_URL in https://?* | http://?*) ;; *) die "--auth tsidp needs --tsidp-url https://idp.<tailnet>.ts.net" ;; esac
  fi
  ask LISTEN "Listen address" "${LISTEN:-127.0.0.1:8080}"
  ask PUBLIC_URL "Public URL clients use (empty: none yet)" "$PUBLIC_URL"
  case $LISTEN in *[!0-9A-Za-z.:\[\]_-]* | '') die "--listen $LISTEN is not HOST:PORT" ;; esac
  case $PUBLIC_URL in '' | https://* | http://*) ;; *) die "--public-url $PUBLIC_URL must start with https://" ;; esac
  case $PUBLIC_URL in *[[:space:]\"\'\\]*) die "--public-url must not contain spaces or quotes" ;; esac

  say "writing $ETC/config.yaml"
  {
    echo "# tailwarden configuration, written by install.sh. Every option, with its default and environment variable:"
    echo "# $PREFIX/current/deploy/config.example.yaml (and docs/configuration.md). Secrets go in tailwarden.env."
    echo "listen: \"$LISTEN\""
    [ -z "$PUBLIC_URL" ] || echo "public_url: \"$PUBLIC_URL\""
  } >"$ETC/config.yaml.new"
  chown root:"$SVC_USER" "$ETC/config.yaml.new"
  chmod 0640 "$ETC/config.yaml.new"
  mv "$ETC/config.yaml.new" "$ETC/config.yaml"
  CREATED_CONFIG=1

  if [ ! -f "$ETC/tailwarden.env" ]; then
    say "writing $ETC/tailwarden.env (0600)"
    (
      umask 077
      {
        echo "# Environment for tailwarden (systemd EnvironmentFile: KEY=value, one a line). Secrets belong here, not in"
        echo "# config.yaml. Only root can read this file; it is never printed."
        case $AUTH in
          tsidp) printf 'TAILWARDEN_AUTH=oidc,token\nTAILWARDEN_OIDC_ISSUER=%s\n' "$TSIDP_URL" ;;
          tailnet) echo "TAILWARDEN_AUTH=tailnet,token" ;;
          *) echo "TAILWARDEN_AUTH=token" ;;
        esac
        echo "# TAILWARDEN_OIDC_CLIENT_ID="
        echo "# TAILWARDEN_OIDC_CLIENT_SECRET="
        echo "# TAILWARDEN_TAILSCALE_API_KEY="
      } >"$ETC/tailwarden.env"
    )
    CREATED_ENV=1
  fi
}

write_cli() {
  cat >"$CLI.new" <<'CLI_EOF'
#!/bin/sh
# The tailwarden CLI, installed by install.sh. As root it runs as the tailwarden user with the service's
# environment, so what it writes to the state directory stays the daemon's and it sees what the daemon sees.
export TAILWARDEN_CONFIG="${TAILWARDEN_CONFIG:-/etc/tailwarden/config.yaml}"
export STATE_DIRECTORY="${STATE_DIRECTORY:-/var/lib/tailwarden}"
run() { exec /opt/tailwarden/bin/node --disable-warning=ExperimentalWarning /opt/tailwarden/current/bin/tailwarden.js "$@"; }
[ "$(id -u)" = 0 ] || run "$@"
if [ -r /etc/tailwarden/tailwarden.env ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in '' | '#'*) continue ;; esac
    name=${line%%=*}
    case $name in '' | *[!A-Za-z0-9_]*) continue ;; esac
    value=${line#*=}
    case $value in \"*\") value=${value#\"} value=${value%\"} ;; \'*\') value=${value#\'} value=${value%\'} ;; esac
    export "$name=$value"
  done </etc/tailwarden/tailwarden.env
fi
exec setpriv --reuid=tailwarden --regid=tailwarden --init-groups -- \
  /opt/tailwarden/bin/node --disable-warning=ExperimentalWarning /opt/tailwarden/current/bin/tailwarden.js "$@"
CLI_EOF
  chmod 0755 "$CLI.new"
  mv -f "$CLI.new" "$CLI"
}

write_units() {
  local from=$PREFIX/$NEW_VERSION/systemd
  install -m 0644 "$from/tailwarden.service" "$UNIT"
  rm -rf "$DROPINS"
  local extra=()
  [ "$ENABLE_DOCKER" = 0 ] || extra+=(docker.conf)
  [ "$ENABLE_ADMIN" = 0 ] || extra+=(admin.conf)
  if [ ${#extra[@]} -gt 0 ]; then
    install -d -m 0755 "$DROPINS"
    local conf
    for conf in "${extra[@]}"; do install -m 0644 "$from/tailwarden.service.d/$conf" "$DROPINS/$conf"; done
  fi
  if [ "$ENABLE_DOCKER" = 1 ]; then
    warn "--enable-docker: the gateway joins the docker group. That is ROOT-EQUIVALENT (a container can mount /);"
    warn "give docker:* permissions only to roles you would trust with root"
  fi
  rm -f "$POLKIT_RULE" "$SUDOERS"
  if [ "$ENABLE_ADMIN" = 1 ]; then
    if [ -d /etc/polkit-1/rules.d ] || [ -d /usr/share/polkit-1 ]; then
      install -d -m 0755 /etc/polkit-1/rules.d
      install -m 0644 "$from/polkit/50-tailwarden.rules" "$POLKIT_RULE"
    else
      warn "--enable-admin-actions: polkit is not installed, so unit control over D-Bus will be refused (apt-get install polkitd)"
    fi
    if command -v visudo >/dev/null; then
      install -m 0440 "$from/sudoers.d/tailwarden" "$SUDOERS.new"
      visudo -c -q -f "$SUDOERS.new" || { rm -f "$SUDOERS.new"; die "the sudoers file does not validate on this sudo" "package management stays off; report this"; }
      mv -f "$SUDOERS.new" "$SUDOERS"
      local sudo_version
      sudo_version=$(sudo -V 2>/dev/null | sed -n '1s/^Sudo version \([0-9.]*\).*/\1/p')
      [ -z "$sudo_version" ] || version_ge "$sudo_version" 1.9.10 ||
        warn "--enable-admin-actions: sudo $sudo_version predates 1.9.10, so the sudoers rules (regular expressions) match nothing and package changes will be refused; upgrade sudo"
    else
      warn "--enable-admin-actions: sudo is not installed, so package management will be refused (apt-get install sudo)"
    fi
  fi
}

# Runs the new version's CLI as the service user with the service's environment; prints the effective listen address.
check_config() {
  local out
  out=$(TAILWARDEN_CONFIG=$ETC/config.yaml "$CLI" config --print --json 2>&1) ||
    die "the configuration does not load: $out" "fix $ETC/config.yaml or $ETC/tailwarden.env, then run install.sh again"
  LISTEN_EFFECTIVE=$(printf '%s' "$out" | "$NODE" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).listen))')
}

health_url() {
  local host=${LISTEN_EFFECTIVE%:*} port=${LISTEN_EFFECTIVE##*:}
  case $host in '' | 0.0.0.0 | '[::]' | ::) host=127.0.0.1 ;; esac
  echo "http://$host:$port/health"
}

# probe_health VERSION: waits (30 s at most) until /health answers with that version; the old process may still
# answer for a moment after a restart. Gives up at once when systemd reports the process died: the unit failed, or
# NRestarts (which a manual restart does not reset) went past the count taken before the restart.
probe_health() {
  "$NODE" -e '
    const { execFileSync } = require("node:child_process");
    const [url, want, before] = process.argv.slice(1);
    const deadline = Date.now() + 30000;
    const crashed = () => {
      try {
        const out = execFileSync("systemctl", ["show", "-p", "NRestarts", "-p", "ActiveState", "tailwarden.service"], { encoding: "utf8" });
        const restarts = Number(/NRestarts=(\d+)/.exec(out)?.[1] ?? 0);
        return /ActiveState=failed/.test(out) || restarts > Number(before);
      } catch { return false; }
    };
    const probe = async () => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        const body = await res.json();
        if (res.ok && body.version === want) return process.exit(0);
      } catch {}
      if (Date.now() > deadline || crashed()) process.exit(1);
      setTimeout(probe, 500);
    };
    probe();' "$(health_url)" "$1" "${RESTARTS_BEFORE:-0}"
}

# Called right before every restart, so probe_health can tell a crash from the restarts before it.
note_restarts() { RESTARTS_BEFORE=$(systemctl show -P NRestarts tailwarden.service 2>/dev/null || echo 0); }

wait_healthy() {
  probe_health "$NEW_VERSION" || {
    journalctl -u tailwarden.service -n 20 --no-pager -o cat >&2 2>/dev/null || true
    die "tailwarden $NEW_VERSION did not answer on $(health_url): it exited, or was not up within 30 s (its log is above)" "see journalctl -u tailwarden; fix the cause and run install.sh again"
  }
}

prune_versions() {
  local dir name keep_current keep_previous
  keep_current=$(readlink "$PREFIX/current")
  keep_previous=$PREVIOUS
  for dir in "$PREFIX"/*/; do
    name=$(basename "$dir")
    [ ! -L "${dir%/}" ] || continue
    case $name in bin | node | current | "$keep_current" | "$keep_previous") continue ;; esac
    rm -rf "${PREFIX:?}/$name"
  done
}

next_steps() {
  local url=${PUBLIC_URL:-}
  [ -n "$url" ] || url=$(sed -n 's/^public_url: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$ETC/config.yaml" | head -n1)
  local port=${LISTEN_EFFECTIVE##*:}
  cat <<EOF

${BOLD}tailwarden $NEW_VERSION is running${RESET} (systemctl status tailwarden; logs: journalctl -u tailwarden -f)
  health:  curl -fsS $(health_url)
  check:   tailwarden doctor   (what works, what does not, and the fix)
  config:  $ETC/config.yaml   secrets: $ETC/tailwarden.env   state: $STATE

Next steps:
  1. Publish it on your tailnet with HTTPS:
       tailscale serve --bg --https=443 http://127.0.0.1:$port
     then set public_url in $ETC/config.yaml to https://<this machine>.<tailnet>.ts.net and
     systemctl restart tailwarden
  2. Give a client access:
       tailwarden token create --name "claude-code laptop" --role operator
     (or, with TSIDP: add the grant from $PREFIX/current/deploy/tailnet-policy.hujson to your tailnet policy)
  3. Add it to your client, e.g. Claude Code:
       claude mcp add --transport http tailwarden ${url:-https://<this machine>.<tailnet>.ts.net}/mcp \\
         --header "Authorization: Bearer <token>"
     More clients: $PREFIX/current/docs/clients.md
EOF
}

# ---------------------------------------------------------------------------------------------------- main
find_node
find_npm
say "using Node $(node_version_of "$NODE") ($NODE)"
stage_release
if [ -L "$PREFIX/current" ]; then PREVIOUS=$(readlink "$PREFIX/current"); fi
if [ "$PREVIOUS" = "$NEW_VERSION" ]; then
  say "reinstalling tailwarden $NEW_VERSION (config and state are kept)"
elif [ -n "$PREVIOUS" ]; then
  say "upgrading tailwarden $PREVIOUS -> $NEW_VERSION (config and state are kept)"
else
  say "installing tailwarden $NEW_VERSION"
fi
confirm "Go on?" || die "cancelled" "nothing was changed"

CHANGED=1
mkdir -p "$BACKUP"
[ ! -f "$UNIT" ] || cp -a "$UNIT" "$BACKUP/tailwarden.service"
[ ! -d "$DROPINS" ] || cp -a "$DROPINS" "$BACKUP/dropins"
[ ! -f "$CLI" ] || cp -a "$CLI" "$BACKUP/cli"
ensure_user
install_node
write_config
if [ -e "$PREFIX/$NEW_VERSION" ]; then
  # Reinstalling the same version: the running process keeps its open files until the restart.
  rm -rf "${PREFIX:?}/.replaced-$NEW_VERSION"
  mv "$PREFIX/$NEW_VERSION" "$PREFIX/.replaced-$NEW_VERSION"
fi
mv "$STAGING" "$PREFIX/$NEW_VERSION"
STAGING=''
chmod 0755 "$PREFIX/$NEW_VERSION"
write_cli
write_units
ln -sfn "$NEW_VERSION" "$PREFIX/current.new"
mv -T "$PREFIX/current.new" "$PREFIX/current"
check_config
systemctl daemon-reload
systemctl enable tailwarden.service >/dev/null 2>&1 || die "systemctl enable tailwarden failed"
say "starting the service"
note_restarts
systemctl restart tailwarden.service || true
wait_healthy
CHANGED=0
rm -rf "${PREFIX:?}/.replaced-$NEW_VERSION"
[ "$PREVIOUS" != "$NEW_VERSION" ] || PREVIOUS=''
prune_versions
next_steps
