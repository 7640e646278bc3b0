#!/usr/bin/env bash
# The scale curve of benches/README.md and every performance target of the README, in one
# run so that the figures can be compared as ratios: the whole pipeline at several corpus
# sizes with 1 and 2 threads (and 1 thread held to one CPU), one city by its shard and by
# the full analysis, the Python peer (whole corpus and one city), and a batch of new notes
# into the largest corpus.
#
#   bash benches/scale.sh [SIZE ...]        # default: 100000 300000 1000000
#   bash benches/scale.sh 1000000 3000000   # the growth point (3M needs ~2 GB of disk, ~1.3 GB of JSON)
#   PEER_MAX=300000 bash benches/scale.sh   # run the Python peer up to this size (default 1000000)
#   CITY=上海 bash benches/scale.sh          # the city of the one-city runs (default 杭州)
#   BATCH=10000 bash benches/scale.sh       # notes held back as the incremental batch (0: skip)
#   ... | python3 benches/targets.py        # the targets table: each figure, met or not
#
# Corpora are generated under bench-corpora/ (git-ignored). Output: one JSON line per run.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(100000 300000 1000000)
peer_max=${PEER_MAX:-1000000}
batch=${BATCH:-10000}
city=${CITY:-杭州}

cargo build --release --example pipeline_timing --example city_timing --example incremental_timing \
    --example analyzer_throughput -q
cargo build --release -p jingxuan-fixture-gen -q

printf '{"run":"analyzer","result":'
target/release/examples/analyzer_throughput --json | tr -d '\n'
echo "}"

for n in "${sizes[@]}"; do
    dir=bench-corpora/$n
    [ -f "$dir/merchants.jsonl" ] || target/release/fixture-gen --out "$dir" --target-docs "$n" >/dev/null
    for threads in 2 1; do
        printf '{"size":%s,"run":"jingxuan","threads":%s,"result":' "$n" "$threads"
        RAYON_NUM_THREADS=$threads target/release/examples/pipeline_timing "$dir" | tr -d '\n'
        echo "}"
    done
    # One thread is not one core: tantivy indexes on a thread of its own beside the pool.
    # The same run held to one CPU is the baseline of what the second core adds.
    if command -v taskset >/dev/null; then
        cpu=$(python3 -c 'import os; print(min(os.sched_getaffinity(0)))')
        printf '{"size":%s,"run":"jingxuan-one-core","threads":1,"result":' "$n"
        RAYON_NUM_THREADS=1 taskset -c "$cpu" target/release/examples/pipeline_timing "$dir" | tr -d '\n'
        echo "}"
    fi
    # One city: its shard (global pass + the city's documents) and the full analysis.
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

# A batch of new notes into the largest corpus: the base is the corpus without its last
# $batch notes (files are in time order), the batch is those notes.
if [ "$batch" -gt 0 ]; then
    n=${sizes[${#sizes[@]}-1]}
    src=bench-corpora/$n
    base=bench-corpora/$n-base$batch
    upd=bench-corpora/$n-batch$batch
    if [ ! -f "$upd/notes.jsonl" ]; then
        mkdir -p "$base" "$upd"
        for f in "$src"/*.jsonl; do
            [ "$(basename "$f")" = notes.jsonl ] || ln -sf "$(realpath "$f")" "$base/"
        done
        total=$(wc -l < "$src/notes.jsonl")
        head -n "$((total - batch))" "$src/notes.jsonl" > "$base/notes.jsonl"
        tail -n "$batch" "$src/notes.jsonl" > "$upd/notes.jsonl"
    fi
    printf '{"size":%s,"run":"incremental","batch":%s,"result":' "$n" "$batch"
    RAYON_NUM_THREADS=2 target/release/examples/incremental_timing "$base" "$upd" 1 | tail -n 1 | tr -d '\n'
    echo "}"
fi
