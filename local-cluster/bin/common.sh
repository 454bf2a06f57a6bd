# Shared settings of the local-cluster scripts. Sourced, not run.
set -euo pipefail

LC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$LC_DIR/.." && pwd)"
DATA="${UM_DATA_DIR:-$LC_DIR/data}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
POSTGRES_PORT="${POSTGRES_PORT:-5432}"
# Where the scripts' Postgres is; default: bin/up's (database, user and password metrics).
POSTGRES_URL="${POSTGRES_URL:-jdbc:postgresql://localhost:$POSTGRES_PORT/metrics}"
POSTGRES_USER="${POSTGRES_USER:-metrics}"
POSTGRES_PASSWORD="${POSTGRES_PASSWORD-metrics}"
# The standalone Flink cluster (bin/up --flink): REST + web UI, JobManager RPC.
FLINK_REST_PORT="${FLINK_REST_PORT:-8081}"
FLINK_RPC_PORT="${FLINK_RPC_PORT:-6123}"
FLINK_DIR="$DATA/flink"
# Flink's Prometheus reporter: each cluster process serves /metrics on the first free port here.
FLINK_PROMETHEUS_PORTS="${FLINK_PROMETHEUS_PORTS:-9249-9259}"
# ZooKeeper of a high-availability cluster (bin/up --flink --ha).
ZOOKEEPER_PORT="${ZOOKEEPER_PORT:-2181}"
FLINK_URL="http://localhost:$FLINK_REST_PORT"
export POSTGRES_URL POSTGRES_USER POSTGRES_PASSWORD
# The job reads its database password from this variable: never on a command line (ps, logs).
export USER_METRICS_POSTGRES_PASSWORD="${USER_METRICS_POSTGRES_PASSWORD-$POSTGRES_PASSWORD}"

# The calling script's --help: its header comment (from the line after the shebang to the first
# line that is not a comment), without the leading "# ". One source for the usage: the header.
usage() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; }

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Builds the project when an output is missing or a module's sources are newer than its jar (an
# edited checkout never runs a stale build); UM_REBUILD=1 always builds, UM_REBUILD=0 only when
# an output is missing (CI, right after its own build). The stamp covers edits that leave a jar
# unchanged (Maven does not rewrite an up-to-date jar), so they do not rebuild every time.
BUILD_STAMP="$ROOT/job/target/.ensure-built"
newer_than() { # REFERENCE PATH...: the first file under PATHs newer than REFERENCE and the stamp
  local ref="$1"; shift
  [[ -f "$BUILD_STAMP" && "$BUILD_STAMP" -nt "$ref" ]] && ref="$BUILD_STAMP"
  find "$@" -type f -newer "$ref" -print -quit 2>/dev/null || true
}
ensure_built() {
  local why="" out lc_jar sql_jar tools_jar
  lc_jar=$(ls "$LC_DIR"/target/local-cluster-*.jar 2>/dev/null | head -1 || true)
  tools_jar=$(ls "$LC_DIR"/job-tools/target/job-tools-*.jar 2>/dev/null | head -1 || true)
  sql_jar=$(ls "$LC_DIR"/sql-alternative/target/sql-alternative-*.jar 2>/dev/null | head -1 || true)
  for out in "$ROOT/job/target/user-metrics-job.jar" "$ROOT/job/target/local-classpath.txt" "$LC_DIR/target/classpath.txt" \
      "$LC_DIR/flink/target/flink-classpath.txt" "$LC_DIR/sql-alternative/target/sql-classpath.txt" \
      "$LC_DIR/job-tools/target/classpath.txt" "$lc_jar" "$sql_jar" "$tools_jar"; do
    [[ -n "$out" && -f "$out" ]] || { why="a build output is missing (${out:-a jar})"; break; }
  done
  if [[ -z "$why" && "${UM_REBUILD:-}" == 1 ]]; then
    why="UM_REBUILD=1"
  elif [[ -z "$why" && "${UM_REBUILD:-}" != 0 ]]; then
    why=$(newer_than "$ROOT/job/target/user-metrics-job.jar" "$ROOT/pom.xml" "$ROOT/job/pom.xml" "$ROOT/job/src/main" "$ROOT/schemas/postgres")
    [[ -n "$why" ]] || why=$(newer_than "$lc_jar" "$LC_DIR/pom.xml" "$LC_DIR/src/main")
    [[ -n "$why" ]] || why=$(newer_than "$sql_jar" "$LC_DIR/sql-alternative/pom.xml" "$LC_DIR/sql-alternative/src/main")
    [[ -n "$why" ]] || why=$(newer_than "$tools_jar" "$LC_DIR/job-tools/pom.xml" "$LC_DIR/job-tools/src/main")
    [[ -n "$why" ]] || why=$(newer_than "$LC_DIR/flink/target/flink-classpath.txt" "$LC_DIR/flink/pom.xml")
    [[ -n "$why" ]] && why="${why#"$ROOT"/} changed since the last build"
  fi
  [[ -n "$why" ]] || return 0
  log "building the project (mvn -DskipTests install): $why..."
  # The stamp gets the build's start time: a source edited while Maven runs is newer than it.
  local started; started=$(mktemp)
  (cd "$ROOT" && mvn -q -B -DskipTests install) || { rm -f "$started"; die "build failed"; }
  mv "$started" "$BUILD_STAMP"
}

# The OpenTelemetry Collector (bin/up --collector): OTLP/HTTP port, the topic and encoding of what
# it writes to Kafka, and where its binary is built (from local-cluster/collector's pinned Go
# modules, once per version of those files; the Go module cache is Go's own, ~/go/pkg/mod).
OTLP_HTTP_PORT="${OTLP_HTTP_PORT:-4318}"
OTEL_KAFKA_TOPIC="${OTEL_KAFKA_TOPIC:-langfuse-otel}"
OTEL_KAFKA_ENCODING="${OTEL_KAFKA_ENCODING:-otlp_proto}"
UM_CACHE_DIR="${UM_CACHE_DIR:-$HOME/.cache/user-metrics}"
COLLECTOR_DIR="$LC_DIR/collector"

# Prints the path of the Collector binary, building it first when this version of the sources
# has not been built yet (about 1.5 min and ~500 MB of Go modules on a fresh machine).
collector_bin() {
  command -v go >/dev/null || die "the OpenTelemetry Collector is built from Go modules: Go is not on the PATH"
  local hash bin
  hash=$(cat "$COLLECTOR_DIR/go.mod" "$COLLECTOR_DIR/go.sum" "$COLLECTOR_DIR"/*.go | sha256sum | cut -c1-16)
  bin="$UM_CACHE_DIR/collector/umcol-$hash"
  if [[ ! -x "$bin" ]]; then
    log "building the OpenTelemetry Collector (local-cluster/collector, $(go version | cut -d' ' -f3)) into $bin..."
    mkdir -p "$UM_CACHE_DIR/collector"
    (cd "$COLLECTOR_DIR" && go build -trimpath -o "$bin.tmp" .) >&2 || die "building the Collector failed"
    mv "$bin.tmp" "$bin"
  fi
  echo "$bin"
}

# Classpath of the local-cluster tools (Kafka broker, producer, SQL client).
tools_cp() { echo "$LC_DIR/target/classes:$(cat "$LC_DIR/target/classpath.txt")"; }

# Classpath of a local job run: the job jar plus the Flink runtime it is provided with on a cluster.
job_cp() { echo "$ROOT/job/target/user-metrics-job.jar:$(cat "$ROOT/job/target/local-classpath.txt")"; }

# Classpath of the tools that run the job's own code (job-tools/pom.xml: check/, bench/).
jobtools_cp() { echo "$(ls "$LC_DIR"/job-tools/target/job-tools-*.jar | head -1):$(cat "$LC_DIR/job-tools/target/classpath.txt")"; }

# Classpath of the benchmark's Flink SQL alternative (sql-alternative/pom.xml).
sql_cp() { echo "$LC_DIR/sql-alternative/target/classes:$(cat "$LC_DIR/sql-alternative/target/sql-classpath.txt")"; }

# Classpath of the standalone Flink cluster and its CLI (Flink's Maven artifacts, see flink/pom.xml).
flink_cp() { cat "$LC_DIR/flink/target/flink-classpath.txt"; }

# Flink's own CLI (bin/flink of a distribution) against the local cluster's configuration.
flink_cli() {
  # shellcheck disable=SC2086
  FLINK_CONF_DIR="$FLINK_DIR/conf" java $FLINK_JAVA_OPTS -Dlog4j.configurationFile="file:$LC_DIR/conf/log4j2-cli.properties" \
    -cp "$(flink_cp)" org.apache.flink.client.cli.CliFrontend "$@"
}

# JVM flags of every JVM that runs Flink work here: local job runs (run-job), the bench's
# ceiling, floor and SQL peers, and the standalone cluster's TaskManager (bin/up --flink).
# With the defaults (G1, C2's full inlining) the JIT spent about a core on C2 compilation for
# the whole of a 1M-event run on 2 cores (47-59 s of C2 time in a 50-70 s run); with these, C2
# compiles ~4x less (smaller inlined graphs) and ParallelGC has no concurrent refinement
# threads: bounded runs 17-25 % faster, tables equal (docs/benchmarks.md, fifth round).
# Later flags win, so JAVA_OPTS can override any of them.
FLINK_JVM_TUNING="-XX:+UseParallelGC -XX:MaxInlineSize=15 -XX:FreqInlineSize=50 -XX:InlineSmallCode=500"

# Java 17 flags of Flink's default env.java.opts.all.
FLINK_JAVA_OPTS="--add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED \
--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
--add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED \
--add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
--add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED \
--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
