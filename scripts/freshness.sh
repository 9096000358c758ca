#!/bin/bash
# usage: scripts/freshness.sh [WINDOWS [EVENTS_PER_SECOND [CONFIG]]]   (defaults: 4 100 jobs/production.yaml)
#
# Issue 16's freshness figure on a live run: how long after a window's end has passed the
# watermark its row is visible in Postgres. kinesalite (node; `mvn package` installs it in
# target/kinesalite), an embedded PostgreSQL, and `java -jar target/gluu-kpi.jar run --config
# CONFIG` as its own process reading the stream (production.yaml: RocksDB, incremental
# checkpoints every 30 s, parallelism 2; the stream gets 2 shards). Events are stamped with the
# wall clock as they are put; see com.gluu.kpi.bench.Freshness for what exactly is measured.
# Takes about WINDOWS + 3 minutes. GLUU_JAVA_OPTS sets the job's JVM options (default: the
# class-data-sharing archive if mvn package made it, and -Xmx1g).
set -euo pipefail
windows=${1:-4}; rate=${2:-100}; config=${3:-jobs/production.yaml}
jar=$(readlink -f "${JAR:-target/gluu-kpi.jar}")
[ -f "$jar" ] || { echo "no $jar: run mvn -DskipTests package first" >&2; exit 2; }
cd "$(dirname "$0")/.."   # the config names its pricing and rule files relative to the repository
[ -f target/kinesalite/kinesis-stand-in.js ] && [ -d target/kinesalite/node_modules/kinesalite ] \
  || { echo "no kinesalite in target/kinesalite: run mvn -DskipTests package with node and npm on the PATH" >&2; exit 2; }
command -v node > /dev/null || { echo "node is not on the PATH" >&2; exit 2; }
if [ -z "${GLUU_JAVA_OPTS+set}" ]; then
  GLUU_JAVA_OPTS="-Xmx1g"
  if [ -f "${jar%.jar}.jsa" ]; then GLUU_JAVA_OPTS="-XX:SharedArchiveFile=${jar%.jar}.jsa $GLUU_JAVA_OPTS"; fi
fi
exec java -cp "$jar" com.gluu.kpi.bench.Freshness --kinesalite target/kinesalite --config "$config" \
  --windows "$windows" --rate "$rate" --java-opts "${GLUU_JAVA_OPTS:- }"
