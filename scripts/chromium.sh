#!/usr/bin/env bash
# The console's browser tests (console/browser-tests) drive Debian's headless Chromium: installs it with
# apt-get when it is missing, and says so. DATAPIPE_CHROMIUM names another Chromium binary instead.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

chromium=${DATAPIPE_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] && exit 0
if [ "$chromium" != /usr/bin/chromium ] || ! command -v apt-get >/dev/null; then
    say "chromium: $chromium is missing and there is no apt-get to install it; the browser tests cannot run."
    say "Install Chromium, or point DATAPIPE_CHROMIUM at one."
    exit 1
fi
sudo=()
[ "$(id -u)" = 0 ] || sudo=(sudo)
say "chromium: not installed; installing Debian's chromium for the console's browser tests (apt-get install -y chromium)"
log=$(mktemp)
if ! { "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq chromium; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    say "chromium: the installation failed; the browser tests cannot run."
    exit 1
fi
rm -f "$log"
say "chromium: $("$chromium" --version 2>/dev/null | head -1)"
