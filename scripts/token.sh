#!/usr/bin/env bash
# make token SUB=alice ROLES=data.read,data.write: prints a token the local stack accepts, issued by the
# local identity provider that make up starts (its password grant; any password). It lives as long as the
# provider's tokens do (an hour).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
issuer=http://127.0.0.1:8083/datapipe
if ! response=$(curl -sS --fail-with-body -d grant_type=password -d client_id=datapipe-cli -d password=local \
        --data-urlencode "username=${SUB:?SUB=<user id>}" --data-urlencode "roles=${ROLES:?ROLES=data.read,data.write}" \
        "$issuer/token" 2>&1); then
    say "the local identity provider at $issuer did not issue a token (is the stack up? make up): $response"
    exit 1
fi
sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p' <<<"$response"
