#!/usr/bin/env bash
# The scale curve of benches/README.md: the same pipeline at several corpus sizes, with
# 1 and 2 threads, and the Python peer on the same corpora, all in one run so that the
# figures can be compared as ratios.
#
#   bash benches/scale.sh [SIZE ...]        # default: 100000 300000 1000000
#   PEER_MAX=300000 bash benches/scale.sh   # run the Python peer up to this size (default 300000)
#   CITY=上海 bash benches/scale.sh          # the city of the one-city runs (default 杭州)
#
# Corpora are generated under bench-corpora/ (git-ignored). Output: one JSON line per run.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(100000 300000 1000000)
peer_max=${PEER_MAX:-300000}

cargo build --release --example pipeline_timing --example city_timing -q
cargo build --release -p jingxuan-fixture-gen -q
for n in "${sizes[@]}"; do
    dir=bench-corpora/$n
    [ -f "$dir/merchants.jsonl" ] || target/release/fixture-gen --out "$dir" --target-docs "$n" >/dev/null
    for threads in 2 1; do
        printf '{"size":%s,"run":"jingxuan","threads":%s,"result":' "$n" "$threads"
        RAYON_NUM_THREADS=$threads target/release/examples/pipeline_timing "$dir" | tr -d '\n'
        echo "}"
    done
    # One city: its shard (global pass + the city's documents) and the full analysis.
    city=${CITY:-杭州}
    for mode in shard full; do
        printf '{"size":%s,"run":"city","result":' "$n"
        RAYON_NUM_THREADS=2 target/release/examples/city_timing "$dir" "$city" "$mode" | tr -d '\n'
        echo "}"
    done
    if [ "$n" -le "$peer_max" ] && python3 -c "import jieba, pandas" 2>/dev/null; then
        printf '{"size":%s,"run":"peer","result":' "$n"
        /usr/bin/time -f '%M' -o /tmp/jx-peer-rss python3 benches/peer/peer.py "$dir" | tr -d '\n'
        printf ',"peak_rss_mb":%s}\n' "$(( $(cat /tmp/jx-peer-rss) / 1024 ))"
        printf '{"size":%s,"run":"peer-city","result":' "$n"
        python3 benches/peer/peer.py "$dir" --city "$city" | tr -d '\n'
        echo "}"
    fi
done
