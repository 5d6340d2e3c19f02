#!/usr/bin/env bash
# Prints the path of a promtool for the alert-rule unit tests (k8s/tests/alert-rules-test.yaml):
# $PROMTOOL if set, else one on PATH, else the one of Debian's `prometheus` package, fetched once
# into .local/tools (the package is only unpacked: nothing is installed or started).
# Prints nothing when none can be had; the alert-rule behaviour test is then skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

if [[ -n "${PROMTOOL:-}" ]]; then
    printf '%s\n' "$PROMTOOL"
    exit 0
fi
if command -v promtool >/dev/null; then
    command -v promtool
    exit 0
fi
tools=.local/tools
if [[ ! -x "$tools/promtool" ]]; then
    if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
        say "promtool: not on PATH and no apt-get here; the alert-rule behaviour test will be skipped"
        exit 0
    fi
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    if ! (cd "$work" && apt-get download prometheus >/dev/null 2>&1); then
        say "promtool: could not download Debian's prometheus package; the alert-rule behaviour test will be skipped"
        exit 0
    fi
    dpkg-deb -x "$work"/prometheus_*.deb "$work/x"
    mkdir -p "$tools"
    cp "$work/x/usr/bin/promtool" "$tools/promtool"
    say "promtool: $("$tools/promtool" --version 2>&1 | head -1) (Debian package, unpacked into $tools)"
fi
printf '%s\n' "$PWD/$tools/promtool"
