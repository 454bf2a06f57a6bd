# Shared settings of the local-cluster scripts. Sourced, not run.
set -euo pipefail

LC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$LC_DIR/.." && pwd)"
DATA="${UM_DATA_DIR:-$LC_DIR/data}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
POSTGRES_PORT="${POSTGRES_PORT:-5432}"
POSTGRES_URL="jdbc:postgresql://localhost:$POSTGRES_PORT/metrics"
export POSTGRES_URL POSTGRES_USER=metrics POSTGRES_PASSWORD=metrics

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Builds the project once (or again with UM_REBUILD=1) so every script has its jars.
ensure_built() {
  if [[ "${UM_REBUILD:-0}" == 1 || ! -f "$LC_DIR/target/classpath.txt" || ! -f "$ROOT/job/target/user-metrics-job.jar" \
        || ! -f "$ROOT/job/target/local-classpath.txt" ]]; then
    log "building the project (mvn -DskipTests install)..."
    (cd "$ROOT" && mvn -q -B -DskipTests install) || die "build failed"
  fi
}

# Classpath of the local-cluster tools (Kafka broker, producer, SQL client).
tools_cp() { echo "$LC_DIR/target/classes:$(cat "$LC_DIR/target/classpath.txt")"; }

# Classpath of a local job run: the job jar plus the Flink runtime it is provided with on a cluster.
job_cp() { echo "$ROOT/job/target/user-metrics-job.jar:$(cat "$ROOT/job/target/local-classpath.txt")"; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
