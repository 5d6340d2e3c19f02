#!/usr/bin/env bash
# The classpath of the dev token tool (libs/dev-tokens, built by make build), as absolute paths.
set -euo pipefail
cd "$(dirname "$0")/.."
classpath="$PWD/libs/dev-tokens/target/classes"
for jar in "$PWD"/libs/dev-tokens/target/libs/*.jar; do
    classpath="$classpath:$jar"
done
echo "$classpath"
