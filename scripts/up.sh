#!/usr/bin/env bash
# make up: RabbitMQ and PostgreSQL reachable, the dev keys made, the three services running and ready.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

JAVA_HOME=$(find_java_home); export JAVA_HOME
LOCAL=.local
mkdir -p "$LOCAL/logs" "$LOCAL/run" "$LOCAL/keys"

RABBITMQ_HOST=${DATAPIPE_RABBITMQ_HOST:-127.0.0.1}
RABBITMQ_PORT=${DATAPIPE_RABBITMQ_PORT:-5672}
PG_HOST=${PGHOST:-127.0.0.1}
PG_PORT=${PGPORT:-5432}
PG_USER=${DATAPIPE_DB_USER:-postgres}
PG_DATABASE=${DATAPIPE_DB_NAME:-datapipe}
export DATAPIPE_DB_URL=${DATAPIPE_DB_URL:-jdbc:postgresql://$PG_HOST:$PG_PORT/$PG_DATABASE}
export DATAPIPE_DB_USER=$PG_USER

ensure_rabbitmq() {
    port_open "$RABBITMQ_HOST" "$RABBITMQ_PORT" && return 0
    if [ "$RABBITMQ_HOST" = 127.0.0.1 ] && command -v rabbitmq-server >/dev/null; then
        say "starting the local RabbitMQ (rabbitmq-server -detached)"
        rabbitmq-server -detached >/dev/null 2>&1 || true
        wait_for 90 port_open "$RABBITMQ_HOST" "$RABBITMQ_PORT" && return 0
    fi
    say "RabbitMQ does not answer at $RABBITMQ_HOST:$RABBITMQ_PORT. Start one:"
    say "  docker compose up -d rabbitmq        (with Docker)"
    say "  rabbitmq-server -detached            (installed locally)"
    say "or point DATAPIPE_RABBITMQ_HOST/PORT/USERNAME/PASSWORD at yours."
    exit 1
}

ensure_postgres() {
    port_open "$PG_HOST" "$PG_PORT" && return 0
    if [ "$PG_HOST" = 127.0.0.1 ] && command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
        say "starting the local PostgreSQL (pg_ctlcluster)"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start >/dev/null 2>&1 || true
        wait_for 60 port_open "$PG_HOST" "$PG_PORT" && return 0
    fi
    say "PostgreSQL does not answer at $PG_HOST:$PG_PORT. Start one:"
    say "  docker compose up -d postgres        (with Docker)"
    say "  pg_ctlcluster <version> main start   (installed locally)"
    say "or point DATAPIPE_DB_URL/USER/PASSWORD at yours."
    exit 1
}

ensure_database() {
    if ! command -v psql >/dev/null; then
        say "psql is not installed: make sure the database '$PG_DATABASE' exists (the persister creates the tables)"
        return 0
    fi
    if ! PGPASSWORD=${DATAPIPE_DB_PASSWORD:-} psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -Atqc \
            "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'" | grep -q 1; then
        say "creating database $PG_DATABASE"
        PGPASSWORD=${DATAPIPE_DB_PASSWORD:-} psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -qc \
            "CREATE DATABASE \"$PG_DATABASE\"" >/dev/null
    fi
}

ensure_keys() {
    "$JAVA_HOME/bin/java" -cp "$(scripts/dev-tokens-classpath.sh)" io.datapipe.devtokens.DevTokenCli "$LOCAL/keys" --init 2>/dev/null
    if [ ! -s "$LOCAL/cursor-secret" ]; then
        (umask 077; head -c 32 /dev/urandom | base64 | tr -d '\n' > "$LOCAL/cursor-secret")
    fi
}

running() {
    local pid_file="$LOCAL/run/$1.pid"
    # Pids are reused: the pid must still be this service.
    [ -s "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null \
        && tr '\0' ' ' < "/proc/$(cat "$pid_file")/cmdline" 2>/dev/null | grep -q "datapipe-$1.jar"
}

port_of() {
    case $1 in web) echo 8080 ;; generator) echo 8081 ;; persister) echo 8082 ;; esac
}

start_service() {
    local service=$1
    if running "$service"; then
        say "$service is already running (pid $(cat "$LOCAL/run/$service.pid"))"
        return 0
    fi
    local agent=()
    if [ "${OTEL:-0}" = 1 ]; then
        # The standard OTEL_* variables pass through; metrics stay on /metrics and logs in the log files
        # unless asked otherwise. OTEL_TRACES_EXPORTER=logging prints the spans into the service's log.
        agent=("-javaagent:services/$service/target/otel/opentelemetry-javaagent.jar")
        export OTEL_SERVICE_NAME="datapipe-$service"
        export OTEL_TRACES_EXPORTER=${OTEL_TRACES_EXPORTER:-otlp}
        export OTEL_METRICS_EXPORTER=${OTEL_METRICS_EXPORTER:-none}
        export OTEL_LOGS_EXPORTER=${OTEL_LOGS_EXPORTER:-none}
    fi
    say "starting $service on :$(port_of "$service") (log: $LOCAL/logs/$service.log)"
    # The pods' JVM flags (services/launch.sh) for the pod's memory limit; a class-data sharing archive
    # per service, made by the first run: later starts are faster.
    mkdir -p "$LOCAL/cds"
    DATAPIPE_WEB_CURSOR_SECRET=$(cat "$LOCAL/cursor-secret") \
        nohup services/launch.sh -XX:MaxRAM="$(pod_memory_limit_mib "$service")m" "${agent[@]}" \
        -XX:+AutoCreateSharedArchive -XX:SharedArchiveFile="$LOCAL/cds/$service.jsa" \
        -jar "services/$service/target/datapipe-$service.jar" \
        >"$LOCAL/logs/$service.log" 2>&1 &
    echo $! > "$LOCAL/run/$service.pid"
}

ready() {
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(port_of "$1")/health/ready" || true)
    [ "$code" = 200 ]
}

await_ready() {
    local service=$1
    if ! wait_for 90 ready "$service"; then
        say "$service did not become ready within 90 s; the end of $LOCAL/logs/$service.log:"
        tail -n 30 "$LOCAL/logs/$service.log" >&2
        exit 1
    fi
}

ensure_rabbitmq
ensure_postgres
ensure_database
ensure_keys
# The persister first: it migrates the schema web reads.
for service in persister generator web; do start_service "$service"; done
for service in persister generator web; do await_ready "$service"; done

cat >&2 <<TEXT

datapipe is up.
  web        http://127.0.0.1:8080   GET /data, GET /data/{id}
  generator  http://127.0.0.1:8081   POST /data
  persister  http://127.0.0.1:8082   (health and metrics only)
  each: /health/live /health/ready /metrics /openapi; logs in $LOCAL/logs/, stop with: make down

Try it:
  TOKEN=\$(make -s token SUB=alice ROLES=data.read,data.write)
  curl -i -X POST http://127.0.0.1:8081/data -H "Authorization: Bearer \$TOKEN" \\
       -H 'Content-Type: application/json' -d '{"informationOne":"aaa23","informationTwo":"bbb24"}'
  curl -s http://127.0.0.1:8080/data -H "Authorization: Bearer \$TOKEN"
TEXT
