# Shared by the scripts behind the Makefile. Source it; do not run it.

# A JDK >= 21: JAVA_HOME if it is one, otherwise the newest under /usr/lib/jvm.
find_java_home() {
    local candidate version
    for candidate in "${JAVA_HOME:-}" $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
        candidate="${candidate%/}"
        [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
        version=$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 \
                  | sed -n 's/^ *java.specification.version = //p')
        if [ "${version%%.*}" -ge 21 ] 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "no JDK 21 or newer found: install one, or set JAVA_HOME to it" >&2
    return 1
}

# Whether something listens on host:port.
port_open() {
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# Polls a command until it succeeds or the deadline (seconds) passes.
wait_for() {
    local seconds=$1; shift
    local deadline=$((SECONDS + seconds))
    until "$@"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.5
    done
}

say() { printf '%s\n' "$*" >&2; }

# The memory limit, in MiB, of a service's container in its base Deployment (k8s/base/<service>/deployment.yaml).
pod_memory_limit_mib() {
    sed -n '/limits:/,/memory:/s/^ *memory: *\([0-9]*\)Mi$/\1/p' "k8s/base/$1/deployment.yaml" | head -1
}
