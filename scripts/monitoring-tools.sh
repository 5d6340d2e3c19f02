#!/usr/bin/env bash
# Makes Prometheus' programs available to the tests and to `make up OBSERVE=1`, and prints the directory
# that holds them (one line on stdout):
#
#   prometheus, promtool                   Debian package prometheus (2.42)
#   prometheus-alertmanager, amtool        Debian package prometheus-alertmanager (0.25)
#   prometheus-postgres-exporter           Debian package prometheus-postgres-exporter (0.11)
#   gnuplot                                Debian package gnuplot-nox (the bench's picture of a run)
#
# DATAPIPE_MONITORING_BIN names a directory that holds all five (other builds, other versions); otherwise
# the Debian packages are installed with apt-get when any is missing, which it says. The tests start
# their own instances on free ports; they never use the packages' services. When the programs cannot be
# had, it says which and why, and exits 1: the checks that need them fail loudly, they are not skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

tools=(prometheus promtool prometheus-alertmanager amtool prometheus-postgres-exporter gnuplot)
packages=(prometheus prometheus-alertmanager prometheus-postgres-exporter gnuplot-nox)

if [ -n "${DATAPIPE_MONITORING_BIN:-}" ]; then
    for tool in "${tools[@]}"; do
        [ -x "$DATAPIPE_MONITORING_BIN/$tool" ] || { say "monitoring tools: no $tool in DATAPIPE_MONITORING_BIN=$DATAPIPE_MONITORING_BIN"; exit 1; }
    done
    printf '%s\n' "$DATAPIPE_MONITORING_BIN"
    exit 0
fi

missing=()
for tool in "${tools[@]}"; do
    [ -x "/usr/bin/$tool" ] || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    if ! command -v apt-get >/dev/null; then
        say "monitoring tools: ${missing[*]} missing, and no apt-get here to install Debian's ${packages[*]}."
        say "Install Prometheus 2.4x, Alertmanager 0.25+ (with amtool) and postgres_exporter, and set"
        say "DATAPIPE_MONITORING_BIN to the directory that holds ${tools[*]}."
        say "The checks against a real Prometheus and Alertmanager cannot run without them."
        exit 1
    fi
    sudo=()
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { say "monitoring tools: ${missing[*]} missing; run as root: apt-get install -y ${packages[*]}"; exit 1; }
        sudo=(sudo -n)
    fi
    say "monitoring tools: ${missing[*]} missing; installing Debian's ${packages[*]} (apt-get install -y --no-install-recommends)"
    log=$(mktemp)
    if ! { DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" \
           || { "${sudo[@]}" apt-get update -qq \
                && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}"; }; } >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        say "monitoring tools: the installation failed; the checks against a real Prometheus and Alertmanager cannot run."
        exit 1
    fi
    rm -f "$log"
    say "monitoring tools: $(/usr/bin/prometheus --version 2>&1 | head -1); $(/usr/bin/prometheus-alertmanager --version 2>&1 | head -1)"
fi
printf '%s\n' /usr/bin
