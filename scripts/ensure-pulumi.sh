#!/usr/bin/env bash
# Makes the real Pulumi CLI available offline and prints, as its last line, the absolute path of the bin
# folder to put first on PATH: it holds `pulumi`, the dynamic-provider plugin
# `pulumi-resource-pulumi-nodejs` and, when it can be had, the Node.js language host
# `pulumi-language-nodejs` (needed by `pulumi up` in a project folder; inline Automation API programs
# run without it).
#
# 1. A standard Pulumi install on PATH (v3.200+, with `pulumi-resource-pulumi-nodejs` beside `pulumi`,
#    as every Pulumi release ships it) is used as it is: its folder is printed and nothing is linked or
#    copied next to it or in front of it. The CLI looks for its plugins beside its own executable first
#    and warns about any it finds elsewhere on PATH.
# 2. Otherwise (or with WACHT_BUILD_PULUMI=1) the CLI is built from its Go module (scripts/pulumi-build
#    pins v3.274.1) into .tools/pulumi/bin, the plugin script that ships in the @pulumi/pulumi npm package
#    is linked beside it, and the language host is built beside it from its source folder: the
#    environment variable WACHT_LANGUAGE_HOST_SRC, or ../shared/tools/pulumi-language-nodejs next to this
#    repository (read-only is fine). Second runs find everything and return at once.
#
# Without a language host it says so in one line on stderr and carries on.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="v3.274.1"
bin="$root/.tools/pulumi/bin"
dynamic_plugin="$root/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
language_src="${WACHT_LANGUAGE_HOST_SRC:-$root/../shared/tools/pulumi-language-nodejs}"
language_stamp="$root/.tools/pulumi/pulumi-language-nodejs.sha256"
[[ -d "$language_src" ]] && language_src="$(cd "$language_src" && pwd)"

log() { echo "ensure-pulumi: $*" >&2; }

no_language_host() {
  log "no Node.js language host ($1): \`pulumi up\` in a project folder will not run; inline programs (npm start, scripts/stack.mjs) still do"
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

# The first `pulumi` on PATH outside our own bin folder (callers put that folder first on PATH).
standard_install() {
  local dir own
  own="$(cd "$bin" 2>/dev/null && pwd -P || echo "$bin")"
  local IFS=:
  for dir in $PATH; do
    [[ -n "$dir" && -x "$dir/pulumi" && ! -d "$dir/pulumi" ]] || continue
    [[ "$(cd "$dir" && pwd -P)" == "$own" ]] && continue
    echo "$dir"
    return 0
  done
  return 1
}

if [[ -z "${WACHT_BUILD_PULUMI:-}" ]] && existing="$(standard_install)"; then
  existing_version="$(PULUMI_SKIP_UPDATE_CHECK=true "$existing/pulumi" version 2>/dev/null || true)"
  if ! version_ok "$existing_version"; then
    log "ignoring $existing/pulumi ($existing_version): older than v3.200"
  elif [[ ! -x "$existing/pulumi-resource-pulumi-nodejs" ]]; then
    log "ignoring $existing/pulumi ($existing_version): no pulumi-resource-pulumi-nodejs beside it"
  else
    log "using $existing/pulumi ($existing_version)"
    [[ -x "$existing/pulumi-language-nodejs" ]] || no_language_host "$existing has no pulumi-language-nodejs"
    echo "$existing"
    exit 0
  fi
fi

mkdir -p "$bin"
# Earlier versions of this script linked a PATH install into the bin folder: never reuse such a link.
if [[ -L "$bin/pulumi" ]]; then
  rm -f "$bin/pulumi"
fi

if [[ ! -x "$bin/pulumi" ]] || [[ "$("$bin/pulumi" version 2>/dev/null)" != "$version" ]]; then
  if ! command -v go >/dev/null 2>&1; then
    log "no pulumi v3.200+ on PATH and no Go toolchain to build one; install either"
    exit 1
  fi
  log "building pulumi $version from its Go module (a cold build takes 3-20 minutes)"
  start=$(date +%s)
  (
    cd "$root/scripts/pulumi-build"
    CGO_ENABLED=0 go build -trimpath -buildvcs=false -o "$bin/pulumi.tmp" \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
      github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  )
  mv "$bin/pulumi.tmp" "$bin/pulumi"
  log "built $("$bin/pulumi" version) in $(($(date +%s) - start)) s ($(du -h "$bin/pulumi" | cut -f1))"
fi

# The dynamic-provider plugin is a small script in the @pulumi/pulumi npm package; it starts the provider
# host of the project it runs in, so one link serves every project folder.
if [[ ! -x "$dynamic_plugin" ]]; then
  log "missing $dynamic_plugin: run npm install first"
  exit 1
fi
ln -sf "$dynamic_plugin" "$bin/pulumi-resource-pulumi-nodejs"

# Rebuilt whenever its source changes (about 15 s with the CLI's modules cached). A binary built before
# stays in use when the source or Go is gone.
missing=""
if [[ ! -f "$language_src/main.go" ]]; then
  missing="no source at $language_src; set WACHT_LANGUAGE_HOST_SRC to a copy of pulumi-language-nodejs"
elif ! command -v go >/dev/null 2>&1; then
  missing="no Go toolchain to build it from $language_src"
else
  sum="$(cd "$language_src" && cat go.mod go.sum ./*.go | sha256sum | cut -d' ' -f1)"
  if [[ ! -x "$bin/pulumi-language-nodejs" || "$(cat "$language_stamp" 2>/dev/null)" != "$sum" ]]; then
    start=$(date +%s)
    if bash "$language_src/build.sh" "$bin" >/dev/null; then
      echo "$sum" >"$language_stamp"
      log "built pulumi-language-nodejs from $language_src in $(($(date +%s) - start)) s"
    else
      missing="its build from $language_src failed"
    fi
  fi
fi
[[ -x "$bin/pulumi-language-nodejs" ]] || no_language_host "$missing"
echo "$bin"
