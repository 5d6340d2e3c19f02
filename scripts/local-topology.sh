#!/usr/bin/env bash
# make up's broker topology: k8s/base/rabbitmq, the one definition, applied to the local broker as the
# topology operator applies it in a cluster (libs/rabbitmq-topology), and the broker settings of the
# generator and the persister written to .local/rabbitmq/<service>.env for scripts/up.sh.
#
# With the broker's management API (docker compose's broker has it; otherwise
# `rabbitmq-plugins enable rabbitmq_management`): everything, as in production: the vhost, the exchanges,
# queues and bindings, and one user per service with exactly the permissions the manifests grant (passwords
# generated once, in .local/rabbitmq/, git-ignored). Without it: the exchanges, queues and bindings over
# AMQP in the vhost the services are given (default /), and the services connect as the administrator.
#
# The administrator: RABBITMQ_ADMIN_USERNAME/PASSWORD, else DATAPIPE_RABBITMQ_USERNAME/PASSWORD, else guest.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

JAVA_HOME=$(find_java_home)
HOST=${DATAPIPE_RABBITMQ_HOST:-127.0.0.1}
PORT=${DATAPIPE_RABBITMQ_PORT:-5672}
MANAGEMENT=${RABBITMQ_MANAGEMENT:-http://$HOST:15672}
export RABBITMQ_ADMIN_USERNAME=${RABBITMQ_ADMIN_USERNAME:-${DATAPIPE_RABBITMQ_USERNAME:-guest}}
export RABBITMQ_ADMIN_PASSWORD=${RABBITMQ_ADMIN_PASSWORD:-${DATAPIPE_RABBITMQ_PASSWORD:-guest}}
DEFINITION=k8s/base/rabbitmq
DIR=.local/rabbitmq
mkdir -p "$DIR" && chmod 700 "$DIR"

apply() {
    "$JAVA_HOME/bin/java" -jar libs/rabbitmq-topology/target/datapipe-rabbitmq-topology.jar "$DEFINITION" "$1" >"$DIR/applied.log" 2>&1 || {
        say "applying $DEFINITION to $1 failed:"
        cat "$DIR/applied.log" >&2
        exit 1
    }
}

# The password on curl's standard input, not its command line.
management_status() {
    printf 'user = "%s:%s"\n' "$RABBITMQ_ADMIN_USERNAME" "$RABBITMQ_ADMIN_PASSWORD" \
        | curl -s -K - -o /dev/null -w '%{http_code}' --max-time 5 "$MANAGEMENT/api/overview" || true
}

password() {
    [ -s "$DIR/$1.password" ] || (umask 077; head -c 24 /dev/urandom | base64 | tr -d '\n/+=' > "$DIR/$1.password")
    cat "$DIR/$1.password"
}

status=$(management_status)
if [ "$status" = 200 ]; then
    vhost=$(sed -n '/^spec:/,$ s/^  name: *//p' "$DEFINITION/vhost.yaml")
    generator=$(password generator)
    persister=$(password persister)
    DATAPIPE_SECRET_DATAPIPE_RABBITMQ_GENERATOR="datapipe-generator:$generator" \
    DATAPIPE_SECRET_DATAPIPE_RABBITMQ_PERSISTER="datapipe-persister:$persister" \
        apply "$MANAGEMENT"
    for service in generator persister; do
        (umask 077; printf 'DATAPIPE_RABBITMQ_VIRTUAL_HOST=%s\nDATAPIPE_RABBITMQ_USERNAME=datapipe-%s\nDATAPIPE_RABBITMQ_PASSWORD=%s\n' \
            "$vhost" "$service" "$(cat "$DIR/$service.password")" > "$DIR/$service.env")
    done
    say "applied $DEFINITION through $MANAGEMENT: vhost $vhost, users datapipe-generator and datapipe-persister with the manifests' permissions"
else
    [ "$status" = 401 ] && say "the management API at $MANAGEMENT refuses $RABBITMQ_ADMIN_USERNAME (RABBITMQ_ADMIN_USERNAME/PASSWORD)" && exit 1
    vhost=${DATAPIPE_RABBITMQ_VIRTUAL_HOST:-/}
    apply "amqp://$HOST:$PORT/$([ "$vhost" = / ] && echo %2F || echo "$vhost")"
    for service in generator persister; do
        (umask 077; printf 'DATAPIPE_RABBITMQ_VIRTUAL_HOST=%s\nDATAPIPE_RABBITMQ_USERNAME=%s\nDATAPIPE_RABBITMQ_PASSWORD=%s\n' \
            "$vhost" "$RABBITMQ_ADMIN_USERNAME" "$RABBITMQ_ADMIN_PASSWORD" > "$DIR/$service.env")
    done
    say "no management API at $MANAGEMENT: declared the exchanges, queues and bindings of $DEFINITION over AMQP in vhost $vhost;"
    say "the services connect as $RABBITMQ_ADMIN_USERNAME (with the management plugin they get their own users, as in production)"
fi
