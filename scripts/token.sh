#!/usr/bin/env bash
# make token SUB=alice ROLES=data.read,data.write [TTL=seconds]: prints a token the local stack accepts.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
JAVA_HOME=$(find_java_home)
exec "$JAVA_HOME/bin/java" -cp "$(scripts/dev-tokens-classpath.sh)" io.datapipe.devtokens.DevTokenCli \
    .local/keys "${SUB:?SUB=<user id>}" "${ROLES:?ROLES=data.read,data.write}" "${TTL:-3600}"
