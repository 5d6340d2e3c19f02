#!/usr/bin/env bash
# make up OBSERVE=1 (after the services are up): Prometheus with the repository's rules, scraping the three
# services and a postgres_exporter of the local database, and Alertmanager routed by dev's
# AlertmanagerConfig (its receivers notify nobody locally; its UI shows the alerts and where they would
# go). Debian's packages, installed when missing (scripts/monitoring-tools.sh). make down stops them.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

JAVA_HOME=$(find_java_home); export JAVA_HOME
LOCAL=.local
PROMETHEUS_PORT=${OBSERVE_PROMETHEUS_PORT:-9090}
ALERTMANAGER_PORT=${OBSERVE_ALERTMANAGER_PORT:-9093}
EXPORTER_PORT=${OBSERVE_POSTGRES_EXPORTER_PORT:-9187}
PG_HOST=${PGHOST:-127.0.0.1}
PG_PORT=${PGPORT:-5432}
PG_USER=${DATAPIPE_DB_USER:-postgres}
PG_DATABASE=${DATAPIPE_DB_NAME:-datapipe}

bin=$(scripts/monitoring-tools.sh)
work=$LOCAL/observe
mkdir -p "$work" "$LOCAL/logs" "$LOCAL/run"
"$JAVA_HOME/bin/java" -jar libs/monitoring-local/target/datapipe-monitoring-local.jar "$work" "$PROMETHEUS_PORT" "$ALERTMANAGER_PORT" \
    generator=127.0.0.1:8081 persister=127.0.0.1:8082 web=127.0.0.1:8080 postgres-exporter=127.0.0.1:$EXPORTER_PORT

running() {
    local pid_file="$LOCAL/run/$1.pid"
    [ -s "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null \
        && tr '\0' ' ' < "/proc/$(cat "$pid_file")/cmdline" 2>/dev/null | grep -q "$2"
}

# start NAME DIR URL-TO-POLL COMMAND...: in the background, its log in .local/logs, its pid in .local/run.
start() {
    local name=$1 dir=$2 ready=$3; shift 3
    if running "$name" "$1"; then
        say "$name is already running (pid $(cat "$LOCAL/run/$name.pid")); reloading its configuration"
        kill -HUP "$(cat "$LOCAL/run/$name.pid")"
        return 0
    fi
    say "starting $name (log: $LOCAL/logs/$name.log)"
    (cd "$dir" && exec nohup "$@") >"$LOCAL/logs/$name.log" 2>&1 &
    echo $! > "$LOCAL/run/$name.pid"
    if ! wait_for 60 curl -sf -o /dev/null "$ready"; then
        say "$name did not answer within 60 s; the end of $LOCAL/logs/$name.log:"
        tail -n 20 "$LOCAL/logs/$name.log" >&2
        exit 1
    fi
}

DATA_SOURCE_NAME="postgresql://$PG_USER${DATAPIPE_DB_PASSWORD:+:$DATAPIPE_DB_PASSWORD}@$PG_HOST:$PG_PORT/$PG_DATABASE?sslmode=disable" \
    start postgres-exporter "$work" "http://127.0.0.1:$EXPORTER_PORT/metrics" \
    "$bin/prometheus-postgres-exporter" --web.listen-address=127.0.0.1:$EXPORTER_PORT
start alertmanager "$work/alertmanager" "http://127.0.0.1:$ALERTMANAGER_PORT/-/ready" \
    "$bin/prometheus-alertmanager" --config.file=alertmanager.yml --storage.path=data \
    --web.listen-address=127.0.0.1:$ALERTMANAGER_PORT --cluster.listen-address=
start prometheus "$work/prometheus" "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" \
    "$bin/prometheus" --config.file=prometheus.yml --storage.tsdb.path=data \
    --web.listen-address=127.0.0.1:$PROMETHEUS_PORT --web.enable-lifecycle

cat >&2 <<TEXT

Observing (namespace label datapipe-local; docs/observability.md):

  Prometheus     http://127.0.0.1:$PROMETHEUS_PORT         the rules: /rules, the alerts: /alerts, the targets: /targets
  Alertmanager   http://127.0.0.1:$ALERTMANAGER_PORT         where each alert would go (dev's routing; nothing is sent)
  postgres_exporter http://127.0.0.1:$EXPORTER_PORT/metrics
  Grafana: add http://127.0.0.1:$PROMETHEUS_PORT as a Prometheus data source and import dashboards/*.json
TEXT
