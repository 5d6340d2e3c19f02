#!/usr/bin/env bash
# make lint: no secret is committed (private keys in PEM or JWK form, AWS access keys) and the local dev
# keys stay out of git. It scans the tracked files (and untracked ones not ignored) with git grep, after checking on samples that each
# pattern finds what it is meant to find and passes a public key.
set -euo pipefail
cd "$(dirname "$0")/.."

patterns=(
    '-----BEGIN (RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----'
    '"kty"[[:space:]]*:[[:space:]]*"(RSA|EC)"[^}]*"d"[[:space:]]*:[[:space:]]*"'
    '\bAKIA[0-9A-Z]{16}\b'
    '[Aa][Ww][Ss]_[Ss][Ee][Cc][Rr][Ee][Tt]_[Aa][Cc][Cc][Ee][Ss][Ss]_[Kk][Ee][Yy][[:space:]]*=[[:space:]]*[^[:space:]]+'
)

# The samples are built from pieces, so that this file does not hold what it looks for.
dashes=-----
samples=(
    "${dashes}BEGIN PRIVATE KEY${dashes}"
    "{\"kty\":\"RSA\",\"n\":\"x\",\"e\":\"AQAB\",\"d\":\"x\"}"
    "key = AKIA""ABCDEFGHIJKLMNOP"
    "aws_secret_access_key""=abc"
)
for i in "${!patterns[@]}"; do
    if ! grep -qE -e "${patterns[$i]}" <<<"${samples[$i]}"; then
        echo "secret scan: pattern $i does not find its sample: fix the pattern" >&2
        exit 1
    fi
done
if grep -qE -e "${patterns[1]}" <<<'{"kty":"RSA","n":"x","e":"AQAB"}'; then
    echo "secret scan: a public JWK is taken for a private one: fix the pattern" >&2
    exit 1
fi

status=0
if git ls-files | grep -q '^\.local/'; then
    echo "secret scan: local keys, logs and pids are tracked (.local/):" >&2
    git ls-files | grep '^\.local/' >&2
    status=1
fi
grep -qx '\.local/' .gitignore || { echo "secret scan: .gitignore does not ignore .local/" >&2; status=1; }
args=()
for pattern in "${patterns[@]}"; do args+=(-e "$pattern"); done
# Tracked files, and untracked ones git does not ignore (about to be added).
found=0
git grep --untracked -I -n -E "${args[@]}" -- . >&2 || found=$?
case $found in
    0) echo "secret scan: the lines above look like secrets" >&2; status=1 ;;
    1) ;;
    *) echo "secret scan: git grep failed ($found)" >&2; exit "$found" ;;
esac
[ "$status" = 0 ] && echo "secret scan: $(git ls-files | wc -l) tracked files, no secret" >&2
exit "$status"
