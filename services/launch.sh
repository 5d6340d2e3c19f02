#!/bin/sh
# Runs one packaged service's JVM with the settings the pods run it with:
#
#   services/launch.sh [java options] -jar <service jar>
#
# The images' entrypoint (services/Dockerfile), make up (scripts/up.sh), and the end-to-end tests and
# benchmarks (libs/test-support ServiceLauncher) all start a service through this file, so these flags
# are written once. Outside a container, pass -XX:MaxRAM=<the pod's memory limit> so that the
# percentages below size the heap as they do in a pod.
#
# The heap is 40 % of the memory limit (205 MiB of 512 MiB): under load the rest of the process
# (metaspace, code, threads, malloc) measured up to 145 MiB more, before the OpenTelemetry agent
# (bench/results/2026-11-containers-memory.md); at 75 % a service reached 577 MiB. Serial GC is what the
# JVM picks with one CPU, stated so that a larger CPU limit does not change it unmeasured. Two malloc
# arenas and a periodic trim hand freed native memory back. On OutOfMemoryError the JVM exits and
# Kubernetes restarts the pod rather than leaving it half-alive.
set -eu
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec "${JAVA_HOME:+$JAVA_HOME/bin/}java" \
    -XX:MaxRAMPercentage=40.0 -XX:InitialRAMPercentage=10.0 \
    -XX:+UseSerialGC \
    -XX:+UnlockExperimentalVMOptions -XX:TrimNativeHeapInterval=5000 \
    -XX:+ExitOnOutOfMemoryError \
    "$@"
