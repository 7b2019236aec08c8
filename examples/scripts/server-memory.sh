#!/usr/bin/env bash
# Memory of goldilocks-server per pool size (docs/deploying.md). Generates a JSONL pool of N
# questions (about 125 characters each), starts the server jar (built with
# ./mvnw -B -q -DskipTests package -pl goldilocks-server -am), waits for /ready, asks for the picks of
# step 0 (n 64) and posts their rewards, then prints one JSON line: seconds to /ready and to the
# first picks, resident memory (VmRSS, VmHWM) and the live heap after a full GC (jcmd).
# Usage: examples/scripts/server-memory.sh N [XMX (default 6g)] [PORT (default 18431)]
set -euo pipefail
N=$1; XMX=${2:-6g}; PORT=${3:-18431}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
JAR=$ROOT/goldilocks-server/target/goldilocks-server.jar
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
python3 - "$N" "$WORK/pool.jsonl" <<'PY'
import json, random, sys
n = int(sys.argv[1]); r = random.Random(1)
nouns = ["farmer", "library", "train", "bakery", "school", "river", "garden", "factory", "museum", "ship"]
items = ["apples", "books", "boxes", "coins", "tiles", "stamps", "marbles", "seeds", "bolts", "cards"]
units = ["day", "hour", "week", "minute", "month"]
with open(sys.argv[2], "w") as f:
    for i in range(n):
        a, b, c = r.randint(2, 9999), r.randint(2, 999), r.randint(2, 99)
        t = (f"A {r.choice(nouns)} has {a} {r.choice(items)}. If {b} more are added each {r.choice(units)}, "
             f"how many are there after {c} {r.choice(units)}s? Give the answer as an integer.")
        f.write(json.dumps({"id": f"q{i}", "text": t}) + "\n")
PY
T0=$(date +%s.%N)
java -Xmx"$XMX" -jar "$JAR" --pool "$WORK/pool.jsonl" --state-dir "$WORK/state" --port "$PORT" > "$WORK/server.log" 2>&1 &
PID=$!
until curl -sf "http://127.0.0.1:$PORT/ready" > /dev/null; do
  sleep 0.5; kill -0 $PID 2> /dev/null || { cat "$WORK/server.log" >&2; exit 1; }
done
T1=$(date +%s.%N)
curl -sf -X POST -H 'Content-Type: application/json' -d '{"step":0,"n":64}' "http://127.0.0.1:$PORT/v1/picks" > "$WORK/picks.json"
T2=$(date +%s.%N)
python3 - "$WORK/picks.json" > "$WORK/rewards.json" <<'PY'
import json, random, sys
picks = json.load(open(sys.argv[1]))["picks"]; r = random.Random(0)
print(json.dumps({"step": 0, "results": [{"id": p["id"], "rewards": [r.randint(0, 1) for _ in range(8)]} for p in picks]}))
PY
curl -sf -X POST -H 'Content-Type: application/json' -d @"$WORK/rewards.json" "http://127.0.0.1:$PORT/v1/rewards" > /dev/null
sleep 2
RSS=$(awk '/VmRSS/{print $2}' /proc/$PID/status); HWM=$(awk '/VmHWM/{print $2}' /proc/$PID/status)
jcmd $PID GC.run > /dev/null; sleep 1
USED=$(jcmd $PID GC.heap_info | sed -n 's/.*used \([0-9]*\)K.*/\1/p' | head -1)
kill $PID; wait $PID || true
python3 -c "import json,sys; print(json.dumps({'questions': $N, 'xmx': '$XMX', 'poolBytes': $(stat -c %s "$WORK/pool.jsonl"),
  'readySeconds': round($T1 - $T0, 1), 'firstPicksSeconds': round($T2 - $T1, 1), 'rssKiB': $RSS, 'peakRssKiB': $HWM,
  'liveHeapKiB': $USED}))"
