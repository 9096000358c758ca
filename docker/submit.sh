#!/usr/bin/env bash
# Submits /opt/flink/usrlib/gluu-kpi.jar to a running Flink session cluster through its REST API,
# the same two calls the standalone-cluster test makes (StandaloneClusterIT):
#   POST /jars/upload (multipart, field jarfile)  ->  {"filename": ".../<id>_gluu-kpi.jar"}
#   POST /jars/<id>/run {"programArgsList": [...]} ->  {"jobid": "..."}
# The jar's main runs inside the JobManager: it applies the migrations and submits the job.
#
#   gluu-submit.sh http://jobmanager:8081 run --config jobs/production.yaml --events /opt/flink/samples/events.jsonl
set -euo pipefail
rest="$1"; shift
jar="${GLUU_JAR:-/opt/flink/usrlib/gluu-kpi.jar}"

until curl -fsS "$rest/taskmanagers" | grep -q '"taskmanagers":\[{'; do
  echo "waiting for a TaskManager at $rest ..."; sleep 2
done

upload=$(curl -fsS -X POST -F "jarfile=@$jar;type=application/x-java-archive" "$rest/jars/upload")
jar_id=$(printf '%s' "$upload" | sed -E 's/.*"filename":"([^"]*)".*/\1/' | sed -E 's#.*/##')

args=""
for a in "$@"; do
  a=${a//\\/\\\\}; a=${a//\"/\\\"}
  args="$args${args:+,}\"$a\""
done
curl -fsS -X POST -H 'Content-Type: application/json' -d "{\"programArgsList\":[$args]}" "$rest/jars/$jar_id/run"
echo
