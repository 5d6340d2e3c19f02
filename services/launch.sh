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
#
# The ahead-of-time cache (JDK 24+: classes already loaded and linked, method profiles) beside the jar,
# <jar without .jar>.aot, or <jar without .jar>.agent.aot when a -javaagent is on the command line or in
# JAVA_TOOL_OPTIONS (the images attach the OpenTelemetry agent there): it is used when it is there and
# newer than the jar (a jar rebuilt since is not what the cache was made from). services/aot-cache.sh makes
# it from a training run through this file (AOT_TRAINING=1), so that it is dumped with exactly these flags;
# the JVM skips a cache that does not fit (another JDK or module options) with a warning and starts without.
#
# With the OpenTelemetry agent, otel-agent.properties beside this file is the agent's configuration file
# (the instrumentations the services use; OTEL_* variables and -Dotel.* options still win over it), unless
# OTEL_JAVAAGENT_CONFIGURATION_FILE or -Dotel.javaagent.configuration-file names another (a copy of launch.sh
# without the file beside it starts the agent with its defaults: the agent refuses a file that is missing).
set -eu
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
jar= agent= previous= aot= agent_config=
for arg in "$@"; do
    case $arg in
        -javaagent:*) agent=.agent ;;
        -XX:AOTCache=*|-XX:AOTCacheOutput=*|-XX:AOTMode=*|-XX:SharedArchiveFile=*|-Xshare:*) aot=given ;;
        -Dotel.javaagent.configuration-file=*) agent_config=given ;;
    esac
    [ "$previous" = -jar ] && jar=$arg
    previous=$arg
done
case " ${JAVA_TOOL_OPTIONS:-} " in *" -javaagent:"*) agent=.agent ;; esac
agent_file="$(dirname "$0")/otel-agent.properties"
if [ -n "$agent" ] && [ -z "$agent_config" ] && [ -z "${OTEL_JAVAAGENT_CONFIGURATION_FILE:-}" ] && [ -f "$agent_file" ]; then
    set -- "-Dotel.javaagent.configuration-file=$agent_file" "$@"
fi
cache=
if [ -n "$jar" ] && [ -z "$aot" ]; then
    cache="${jar%.jar}$agent.aot"
    if [ "${AOT_TRAINING:-0}" = 1 ]; then
        echo "launch.sh: training run, writing the AOT cache $cache" >&2
        set -- -XX:AOTCacheOutput="$cache" "$@"
    elif [ -f "$cache" ] && [ "$cache" -nt "$jar" ]; then
        set -- -XX:AOTCache="$cache" "$@"
    fi
fi
exec "${JAVA_HOME:+$JAVA_HOME/bin/}java" \
    -XX:MaxRAMPercentage=40.0 -XX:InitialRAMPercentage=10.0 \
    -XX:+UseSerialGC \
    -XX:+UnlockExperimentalVMOptions -XX:TrimNativeHeapInterval=5000 \
    -XX:+ExitOnOutOfMemoryError \
    "$@"
