#!/bin/bash
# Makes the ahead-of-time cache of one packaged service (JDK 25: JEP 483/514/515) from a training run,
# for services/launch.sh to use:
#
#   services/aot-cache.sh [java options] -jar <service jar>
#
# The training run is an ordinary start through launch.sh (AOT_TRAINING=1), with the options the service
# will run with: the agent included when it is on the command line or in JAVA_TOOL_OPTIONS, as in the
# images. It needs no broker, database or identity provider: their addresses point at a closed port, and
# each service starts without them (it retries in the background and stays not ready). Once the server is
# up and has answered its probes, the service is stopped (SIGTERM) and the JVM writes the cache as it
# exits. The image build (services/Dockerfile) and make build run this.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
log=$(mktemp)
pid=
# The messages go to the standard error the script was started with (fd 4), also from inside a
# redirection of its own. A run that ends otherwise than with the cache says so, with its status (a
# signal's too: 128 + its number), and stops its training run rather than leave it serving.
exec 4>&2
trap 'status=$?; rm -f "$log"; [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
      [ "$status" = 0 ] || echo "aot-cache.sh: ended with status $status" >&4' EXIT
trap 'echo "aot-cache.sh: failed at line $LINENO" >&4' ERR
# A probe whose connection the server resets (as it may while it is still opening) must fail its write,
# not kill this script with SIGPIPE: that ended runs with no cache and no word.
trap '' PIPE
# Nothing listens on port 9 (discard): a connection there is refused at once.
AOT_TRAINING=1 "$here/launch.sh" -Xlog:aot=error,cds=error -Dserver.port=0 \
    -Ddatapipe.rabbitmq.host=127.0.0.1 -Ddatapipe.rabbitmq.port=9 \
    -Ddatapipe.db.url=jdbc:postgresql://127.0.0.1:9/training -Ddatapipe.db.migrate=false \
    -Ddatapipe.jwt.jwks.uri=http://127.0.0.1:9/jwks \
    "$@" >"$log" 2>&1 &
pid=$!
cache= port=
for _ in $(seq 1 1800); do
    cache=$(sed -n 's/^launch.sh: training run, writing the AOT cache //p' "$log")
    port=$(sed -n 's/.*Server started on http:\/\/[^:]*:\([0-9]*\).*/\1/p;T;q' "$log")
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$port" ] || [ -z "$cache" ]; then
    echo "aot-cache.sh: the training run did not start; its output:" >&2
    grep -v "^\[" "$log" | tail -n 40 >&2
    kill "$pid" 2>/dev/null || true
    exit 1
fi
# The requests every start sees: the probes and the scrape.
# A request that fails (the server still opening its socket) is only a shorter training.
get() {
    exec 3<>"/dev/tcp/127.0.0.1/$port" || return 0
    printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&3 || true
    timeout 10 cat <&3 >/dev/null || true
    exec 3<&-
}
for path in /health/started /health/live /health/ready /metrics; do
    get "$path" 2>/dev/null || true
done
kill -TERM "$pid"
wait "$pid" || true
pid=
if [ ! -s "$cache" ]; then
    echo "aot-cache.sh: the training run wrote no $cache; its output:" >&2
    grep -v "^\[" "$log" | tail -n 40 >&2
    exit 1
fi
echo "aot-cache.sh: $cache, $(du -m "$cache" | cut -f1) MiB" >&2
