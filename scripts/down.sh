#!/usr/bin/env bash
# make down: stops what make up started (SIGTERM: each service drains before it exits), the identity
# provider last; with it Prometheus, Alertmanager and postgres_exporter of make up OBSERVE=1.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

stopped() { ! kill -0 "$1" 2>/dev/null; }

# name:what its command line contains. Prometheus first, so that it does not alert on the services stopping.
for entry in prometheus:bin/prometheus alertmanager:prometheus-alertmanager postgres-exporter:prometheus-postgres-exporter \
             web:datapipe-web.jar generator:datapipe-generator.jar persister:datapipe-persister.jar local-idp:datapipe-local-idp.jar; do
    service=${entry%%:*}
    pid_file=.local/run/$service.pid
    [ -s "$pid_file" ] || continue
    pid=$(cat "$pid_file")
    # Pids are reused: stop the process only if it still is this service.
    if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "${entry#*:}"; then
        say "stopping $service (pid $pid)"
        kill -TERM "$pid"
        if ! wait_for 45 stopped "$pid"; then
            say "$service did not stop in 45 s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$pid_file"
done
