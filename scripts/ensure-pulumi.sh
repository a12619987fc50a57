#!/usr/bin/env bash
# Makes the real Pulumi CLI available without internet access and prints, as its last line, the absolute
# path of the bin folder that holds `pulumi` and `pulumi-resource-pulumi-nodejs`.
#
# Uses a `pulumi` already on PATH when it is v3.200 or newer; otherwise builds v3.274.1 from its Go
# module through the Go module proxy (scripts/pulumi-build pins it) into .tools/pulumi/bin. A second run
# finds the binary and returns at once. The Node.js language host (pulumi-language-nodejs) is not served
# by the proxy, so programs run as Automation API inline programs, which do not need it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="v3.274.1"
bin="$root/.tools/pulumi/bin"
dynamic_plugin="$root/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"

log() { echo "ensure-pulumi: $*" >&2; }

link_dynamic_plugin() {
  # The dynamic-provider plugin is a small script shipped inside the @pulumi/pulumi npm package; the
  # engine finds it next to `pulumi`.
  if [[ ! -x "$dynamic_plugin" ]]; then
    log "missing $dynamic_plugin: run npm install first"
    exit 1
  fi
  ln -sf "$dynamic_plugin" "$bin/pulumi-resource-pulumi-nodejs"
}

version_ok() {
  # v3.200.0 or newer.
  local v="${1#v}" major minor
  major="${v%%.*}"
  minor="${v#*.}"
  minor="${minor%%.*}"
  [[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] || return 1
  ((major > 3 || (major == 3 && minor >= 200)))
}

mkdir -p "$bin"

if [[ -x "$bin/pulumi" ]] && [[ "$("$bin/pulumi" version 2>/dev/null)" == "$version" ]]; then
  link_dynamic_plugin
  echo "$bin"
  exit 0
fi

if [[ -z "${WACHT_BUILD_PULUMI:-}" ]] && command -v pulumi >/dev/null 2>&1; then
  existing="$(command -v pulumi)"
  existing_version="$(PULUMI_SKIP_UPDATE_CHECK=true pulumi version 2>/dev/null || true)"
  if version_ok "$existing_version"; then
    log "using $existing ($existing_version)"
    ln -sf "$existing" "$bin/pulumi"
    link_dynamic_plugin
    echo "$bin"
    exit 0
  fi
  log "ignoring $existing ($existing_version): older than v3.200"
fi

if ! command -v go >/dev/null 2>&1; then
  log "no pulumi v3.200+ on PATH and no Go toolchain to build one; install either"
  exit 1
fi

log "building pulumi $version from its Go module (a cold build takes 5-20 minutes)"
start=$(date +%s)
(
  cd "$root/scripts/pulumi-build"
  CGO_ENABLED=0 go build -trimpath -buildvcs=false -o "$bin/pulumi.tmp" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
)
mv "$bin/pulumi.tmp" "$bin/pulumi"
log "built $("$bin/pulumi" version) in $(($(date +%s) - start)) s ($(du -h "$bin/pulumi" | cut -f1))"
link_dynamic_plugin
echo "$bin"
