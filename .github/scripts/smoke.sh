#!/usr/bin/env bash
# Smoke test of a deployed environment, end to end:
#   POST /data (generator) -> RabbitMQ -> persister -> PostgreSQL -> GET /data/{id} (web)
# plus GET /data listing the record, and 401 without a token. With SMOKE_EXPECTED_VERSION,
# first the version the API reports (GET /openapi, info.version) must be that one.
#
#   DATAPIPE_URL=https://datapipe.dev.example.com SMOKE_TOKEN=<jwt with data.read and data.write> smoke.sh
#
# SMOKE_WAIT_SECONDS (default 600) bounds how long the version check and the POST are
# retried while a new version is still being synced and rolled out. Tested against a
# running stack by e2e/SmokeIT.
set -euo pipefail

url="${DATAPIPE_URL:?DATAPIPE_URL is required}"
url="${url%/}"
token="${SMOKE_TOKEN:?SMOKE_TOKEN is required}"
wait_seconds="${SMOKE_WAIT_SECONDS:-600}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

call() { # method path [body] -> prints the status code, body in $work/response.json
  local method="$1" path="$2" body="${3:-}"
  local args=(--silent --show-error --max-time 10 --output "$work/response.json" --write-out '%{http_code}'
              --request "$method" --header "Authorization: Bearer $token")
  if [[ -n "$body" ]]; then
    args+=(--header 'Content-Type: application/json' --data "$body")
  fi
  curl "${args[@]}" "$url$path" || echo 000
}

payload="$(jq -cn --arg run "${GITHUB_RUN_ID:-local}" '{smoke: true, run: $run, at: (now | todate)}')"

deadline=$((SECONDS + wait_seconds))
expected_version="${SMOKE_EXPECTED_VERSION:-}"
if [[ -n "$expected_version" ]]; then
  version=""
  until [[ "$version" == "$expected_version" ]]; do
    status="$(curl --silent --show-error --max-time 10 --output "$work/openapi.json" --write-out '%{http_code}' \
                   --header 'Accept: application/json' "$url/openapi" || echo 000)"
    version="$( [[ "$status" == 200 ]] && jq -r '.info.version // empty' "$work/openapi.json" 2>/dev/null || true)"
    [[ "$version" == "$expected_version" ]] && break
    if ((SECONDS >= deadline)); then
      echo "::error::$url runs version '${version:-unknown}' (GET /openapi answered $status), not $expected_version"; exit 1
    fi
    echo "version '${version:-unknown}', waiting for $expected_version, retrying in 10 s"; sleep 10
  done
  echo "GET /openapi -> version $version"
fi

until [[ "$(call POST /data "$payload")" == 202 ]]; do
  if ((SECONDS >= deadline)); then
    echo "::error::POST /data did not answer 202 within ${wait_seconds}s"; cat "$work/response.json" || true; exit 1
  fi
  echo "POST /data not accepted yet, retrying in 10 s"; sleep 10
done
id="$(jq -er .id "$work/response.json")"
echo "POST /data -> 202, id $id"

# The persister writes asynchronously: give it a minute. Only 404 (not stored yet) is worth waiting for.
for _ in $(seq 1 30); do
  status="$(call GET "/data/$id")"
  [[ "$status" == 404 ]] || break
  sleep 2
done
[[ "$status" == 200 ]] || { echo "::error::GET /data/$id answered $status"; exit 1; }
jq -e --arg id "$id" '.id == $id and .payload.smoke == true' "$work/response.json" >/dev/null
echo "GET /data/$id -> 200, persisted"

[[ "$(call GET '/data?limit=50')" == 200 ]] || { echo "::error::GET /data failed"; exit 1; }
jq -e --arg id "$id" 'any(.items[]; .id == $id)' "$work/response.json" >/dev/null
echo "GET /data -> 200, lists the record"

status="$(curl --silent --max-time 10 --output /dev/null --write-out '%{http_code}' "$url/data" || echo 000)"
[[ "$status" == 401 ]] || { echo "::error::GET /data without a token answered $status, not 401"; exit 1; }
echo "GET /data without a token -> 401"
echo "smoke test passed against $url"
