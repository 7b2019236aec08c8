#!/bin/bash
# Side-by-side speed and identity of two builds of the SDK (each a folder holding lib/*.jar, e.g. a copy of
# examples/target after `./mvnw -pl examples -am -DskipTests package`).
#   perf-ab.sh ab    BUILD_A BUILD_B [questions=400000] [rounds=10]  # JSON: per build and per-round ratios B / A
#   perf-ab.sh ident BUILD_A BUILD_B [questions=30000]   # fingerprints of picks, predictions, states; simulate's JSON
# (BUILD_A/goldilocks-examples.jar for simulate)
#   perf-ab.sh freeze BUILD [questions=3200000] [rounds=8]           # K = 16 with background updates vs none
#   perf-ab.sh train BUILD_A BUILD_B [questions=400000] [rounds=40]  # teacher updates alone, side by side
#   perf-ab.sh djl-teacher BUILD_A BUILD_B [rounds=20]  # DJL teacher updates and state snapshots, side by side
#   java -cp "BUILD/lib/*" SnapshotCost.java [rounds=20]  # stateSnapshot() of the blend and the tracker, beside updates
# In ab and train, a build may be followed by @later=512,epochs=2 (its teacher's laterEpochsOn and epochs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mode=$1; a=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if [ "$mode" = djl-teacher ]; then
  # DJL and the other libraries from BUILD_A, loaded once; each build's goldilocks jars in a loader of its own
  shared=$(ls "$a"/lib/*.jar | grep -v '/goldilocks-[^/]*$' | paste -sd:)
  own() { ls "$1"/lib/goldilocks-*.jar | grep -v -- '-sources.jar$' | paste -sd:; }
  javac -d "$out/w" -cp "$a/lib/*" "$here/DjlTeacherWorker.java"
  javac -d "$out" "$here/DjlTeacherAB.java"
  DJL_OFFLINE=true OPT_OUT_TRACKING=true java -Dperfab.worker="$out/w/" -cp "$out" DjlTeacherAB "${4:-20}" "$shared" \
    "$(own "$a")" "$(own "$3")"
  exit
fi
javac -d "$out/w" -cp "${a%%@*}/lib/*" "$here/Worker.java" "$here/Ident.java" "$here/Freeze.java"
javac -d "$out" "$here/Driver.java" "$here/TrainAB.java"
case $mode in
  ab) java -Dperfab.worker="$out/w/" -cp "$out" Driver "${4:-400000}" "${5:-10}" "$a" "$3" ;;
  ident)
    diff <(java -cp "$out/w:$a/lib/*" Ident "${4:-30000}") <(java -cp "$out/w:$3/lib/*" Ident "${4:-30000}")
    sim="simulate --json --questions 5000 --steps 60 --seeds 1 --samplers goldilocks,goldilocks-arithmetic,ablation-utility-head"
    diff <(java -jar "$a/goldilocks-examples.jar" $sim 2>/dev/null | grep -v secondsPerRun) \
      <(java -jar "$3/goldilocks-examples.jar" $sim 2>/dev/null | grep -v secondsPerRun)
    echo "identical: picks, predictions, saved states and a small simulate of $a and $3" ;;
  train) java -Dperfab.worker="$out/w/" -cp "$out" TrainAB "${4:-400000}" "${5:-40}" "$a" "$3" ;;
  freeze) java -cp "$out/w:$a/lib/*" Freeze "${3:-3200000}" "${4:-8}" ;;
  *) echo "unknown mode $mode (ab, ident, freeze, train)" >&2; exit 2 ;;
esac
