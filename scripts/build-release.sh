#!/usr/bin/env bash
# Builds the release tarball install.sh installs: what `npm pack` ships (package.json "files") plus
# package-lock.json, so the installer's `npm ci --omit=dev` gets exactly the tested dependency versions.
# Usage: scripts/build-release.sh [OUT_DIR]   → OUT_DIR/tailwarden-<version>.tgz (default: release/)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-release}")
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

npm pack --silent --pack-destination "$work" >"$work/name"
tar -xzf "$work/$(tail -n1 "$work/name")" -C "$work"
cp package-lock.json "$work/package/"
version=$(node -p 'require("./package.json").version')
tarball="$out/tailwarden-$version.tgz"
tar -C "$work" --owner=0 --group=0 --numeric-owner -czf "$tarball" package
echo "$tarball"
