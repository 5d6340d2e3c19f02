#!/usr/bin/env bash
# make down: stops what make up started (SIGTERM: each service drains before it exits), the identity
# provider last.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

stopped() { ! kill -0 "$1" 2>/dev/null; }

for service in web generator persister local-idp; do
    pid_file=.local/run/$service.pid
    [ -s "$pid_file" ] || continue
    pid=$(cat "$pid_file")
    # Pids are reused: stop the process only if it still is this service.
    if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "datapipe-$service.jar"; then
        say "stopping $service (pid $pid)"
        kill -TERM "$pid"
        if ! wait_for 45 stopped "$pid"; then
            say "$service did not stop in 45 s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$pid_file"
done
