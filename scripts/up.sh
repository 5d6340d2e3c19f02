#!/usr/bin/env bash
# make up: RabbitMQ and PostgreSQL reachable, the broker's topology applied from k8s/base/rabbitmq, the
# local identity provider and the three services running and ready, the web console's address printed. OBSERVE=1: Prometheus and Alertmanager too (scripts/observe.sh).
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

IDP_PORT=8083   # the services' default datapipe.jwt.* settings name this port

rabbitmq_up() { port_open "$RABBITMQ_HOST" "$RABBITMQ_PORT"; }
postgres_up() { port_open "$PG_HOST" "$PG_PORT"; }

# Local servers first (installed but stopped), then Docker; otherwise the one command that installs them.
ensure_servers() {
    if ! rabbitmq_up && [ "$RABBITMQ_HOST" = 127.0.0.1 ] && command -v rabbitmq-server >/dev/null; then
        say "starting the local RabbitMQ (rabbitmq-server -detached)"
        rabbitmq-server -detached >/dev/null 2>&1 || true
        wait_for 90 rabbitmq_up || true
    fi
    if ! postgres_up && [ "$PG_HOST" = 127.0.0.1 ] && command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
        say "starting the local PostgreSQL (pg_ctlcluster)"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start >/dev/null 2>&1 || true
        wait_for 60 postgres_up || true
    fi
    local missing=()
    rabbitmq_up || missing+=(rabbitmq)
    postgres_up || missing+=(postgres)
    [ ${#missing[@]} -eq 0 ] && return 0
    if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
        say "starting ${missing[*]} with docker compose (docker-compose.yml), waiting until healthy"
        docker compose up -d --wait "${missing[@]}" >&2
        rabbitmq_up && postgres_up && return 0
    fi
    say "${missing[*]} not reachable (RabbitMQ $RABBITMQ_HOST:$RABBITMQ_PORT, PostgreSQL $PG_HOST:$PG_PORT), and no Docker engine answers."
    say "Install them, then run make up again:"
    if command -v apt-get >/dev/null; then
        say "  sudo apt-get install -y rabbitmq-server postgresql"
    elif command -v dnf >/dev/null; then
        say "  sudo dnf install -y rabbitmq-server postgresql-server && sudo postgresql-setup --initdb && sudo systemctl enable --now rabbitmq-server postgresql"
    elif command -v brew >/dev/null; then
        say "  brew install rabbitmq postgresql@15 && brew services start rabbitmq && brew services start postgresql@15"
    else
        say "  RabbitMQ 3.13 and PostgreSQL 15 from your platform's packages, or Docker (then: docker compose up -d --wait)"
    fi
    say "or point DATAPIPE_RABBITMQ_HOST/PORT/USERNAME/PASSWORD and DATAPIPE_DB_URL/USER/PASSWORD at yours."
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

ensure_cursor_secret() {
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

# The local OpenID Connect provider (libs/local-idp): the services verify its tokens (their default
# datapipe.jwt.* settings), the console signs in with it, make token asks it. It signs with the key in
# .local/keys, made on its first start.
idp_ready() {
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$IDP_PORT/datapipe/.well-known/openid-configuration")" = 200 ]
}

start_idp() {
    if running local-idp; then
        say "the identity provider is already running (pid $(cat "$LOCAL/run/local-idp.pid"))"
        return 0
    fi
    say "starting the identity provider on :$IDP_PORT (log: $LOCAL/logs/local-idp.log)"
    nohup "$JAVA_HOME/bin/java" -jar libs/local-idp/target/datapipe-local-idp.jar --port "$IDP_PORT" --keys "$LOCAL/keys" \
        >"$LOCAL/logs/local-idp.log" 2>&1 &
    echo $! > "$LOCAL/run/local-idp.pid"
    if ! wait_for 60 idp_ready; then
        say "the identity provider did not answer within 60 s; the end of $LOCAL/logs/local-idp.log:"
        tail -n 30 "$LOCAL/logs/local-idp.log" >&2
        exit 1
    fi
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
    # per service, made by the first run: later starts are faster. Not with the agent: an archive serves
    # only the command line it was dumped with (the agent adds the java.instrument module, so one dumped
    # without it is refused), and the JVM dumps none while an agent runs unless a diagnostic flag allows it.
    local cds=()
    if [ ${#agent[@]} -eq 0 ]; then
        mkdir -p "$LOCAL/cds"
        cds=(-XX:+AutoCreateSharedArchive -XX:SharedArchiveFile="$LOCAL/cds/$service.jsa")
    fi
    # The broker's vhost and this service's user (scripts/local-topology.sh); none for web.
    local broker=()
    [ -s "$LOCAL/rabbitmq/$service.env" ] && mapfile -t broker < "$LOCAL/rabbitmq/$service.env"
    DATAPIPE_WEB_CURSOR_SECRET=$(cat "$LOCAL/cursor-secret") \
        env "${broker[@]}" nohup services/launch.sh -XX:MaxRAM="$(pod_memory_limit_mib "$service")m" "${agent[@]}" "${cds[@]}" \
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
    if ! wait_for 180 ready "$service"; then
        say "$service did not become ready within 180 s; the end of $LOCAL/logs/$service.log:"
        tail -n 30 "$LOCAL/logs/$service.log" >&2
        exit 1
    fi
}

ensure_servers
# The exchanges, queues, bindings (and, with the management API, users and permissions) of k8s/base/rabbitmq:
# the services declare nothing.
scripts/local-topology.sh
ensure_database
ensure_cursor_secret
start_idp
# The persister first: it migrates the schema web reads.
for service in persister generator web; do start_service "$service"; done
for service in persister generator web; do await_ready "$service"; done

cat >&2 <<TEXT

datapipe is up. Open the console:

  http://127.0.0.1:8080/    sign in as alice (any user name), roles data.read, data.write

  web         http://127.0.0.1:8080   the console; GET /data, GET /data/{id}
  generator   http://127.0.0.1:8081   POST /data
  persister   http://127.0.0.1:8082   (health and metrics only)
  identity    http://127.0.0.1:$IDP_PORT/datapipe   the local OpenID Connect provider
  each service: /health/live /health/ready /metrics /openapi; logs in $LOCAL/logs/, stop with: make down

From a shell:
  TOKEN=\$(make -s token SUB=alice ROLES=data.read,data.write)
  curl -i -X POST http://127.0.0.1:8081/data -H "Authorization: Bearer \$TOKEN" \\
       -H 'Content-Type: application/json' -d '{"informationOne":"aaa23","informationTwo":"bbb24"}'
  curl -s http://127.0.0.1:8080/data -H "Authorization: Bearer \$TOKEN"
TEXT

if [ "${OBSERVE:-0}" = 1 ]; then
    scripts/observe.sh
fi
