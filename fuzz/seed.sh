#!/usr/bin/env bash
# Seeds the fuzz corpora (fuzz/corpus/, not committed) from the test cases, so that the
# fuzzer starts from real records instead of nothing. Run from the repository root.
set -euo pipefail
FILES=(merchants.jsonl authors.jsonl notes.jsonl reviews.jsonl visits.jsonl curation.jsonl)
mkdir -p fuzz/corpus/parse_records fuzz/corpus/analyze_text
for dir in tests/cases/corpus/*/ fixtures/planted-errors/; do
    name=$(basename "$dir")
    # First byte: 0x00 keeps the default caps, 0x21 (odd) picks small ones.
    for caps in default small; do
        knobs='\x00'
        [ "$caps" = small ] && knobs='\x21'
        out="fuzz/corpus/parse_records/$name-$caps"
        {
            printf "$knobs"
            for i in "${!FILES[@]}"; do
                [ "$i" -gt 0 ] && printf '\x00'
                # Keep seeds small: the first 40 lines of each file.
                [ -f "$dir/${FILES[$i]}" ] && head -n 40 "$dir/${FILES[$i]}"
            done
        } > "$out"
    done
done
# Texts: every note body and review text of the small cases, one seed each.
i=0
for f in tests/cases/corpus/*/notes.jsonl tests/cases/corpus/*/reviews.jsonl; do
    while IFS= read -r line; do
        i=$((i + 1))
        printf '%s' "$line" > "fuzz/corpus/analyze_text/line-$i"
    done < "$f"
done
ls fuzz/corpus/parse_records | wc -l
ls fuzz/corpus/analyze_text | wc -l
