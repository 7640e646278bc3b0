#!/usr/bin/env python3
"""The peer: how a data team would rank merchants today with jieba + pandas.

Segment every note and review, count NTUSD positive and negative words, average the stars,
and rank each city's merchants by a blend of the two. No trust, no manipulation checks:
the point is a like-for-like timing of the text and aggregation work that jingxuan also
does (see benches/README.md), on the same corpus.

    pip install jieba pandas
    python3 benches/peer/peer.py CORPUS_DIR [--city 杭州] [--out ranking.csv]

With --city, only that city's merchants are ranked and only the notes and reviews about
them are segmented (every file is still read, as `jingxuan score --city` reads them).
"""

import argparse
import json
import os
import sys
import time

import jieba
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
LEXICON = os.path.join(HERE, "..", "..", "data", "lexicon", "ntusd")


def words(name):
    path = os.path.join(LEXICON, name)
    with open(path, encoding="utf-8-sig") as f:
        return {w.strip() for w in f if w.strip() and not w.startswith("#")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--out")
    ap.add_argument("--city")
    args = ap.parse_args()

    start = time.perf_counter()
    jieba.setLogLevel(60)
    jieba.initialize()
    pos, neg = words("positive.txt"), words("negative.txt")

    merchants = pd.read_json(os.path.join(args.corpus, "merchants.jsonl"), lines=True)
    if "deleted" in merchants:
        merchants = merchants[~merchants["deleted"].fillna(False).astype(bool)]
    frames = []
    notes_path = os.path.join(args.corpus, "notes.jsonl")
    if os.path.exists(notes_path):
        notes = pd.read_json(notes_path, lines=True)
        notes = notes[notes["merchant_ids"].map(lambda m: isinstance(m, list) and len(m) > 0)]
        notes["text"] = notes["title"].fillna("") + "\n" + notes["body"].fillna("")
        notes = notes.explode("merchant_ids").rename(columns={"merchant_ids": "merchant_id"})
        notes["rating"] = float("nan")
        frames.append(notes[["merchant_id", "text", "rating"]])
    reviews_path = os.path.join(args.corpus, "reviews.jsonl")
    if os.path.exists(reviews_path):
        reviews = pd.read_json(reviews_path, lines=True)
        reviews["text"] = reviews.get("text", pd.Series("", index=reviews.index)).fillna("")
        frames.append(reviews[["merchant_id", "text", "rating"]])
    docs = pd.concat(frames, ignore_index=True)
    if args.city:
        merchants = merchants[merchants["city"] == args.city]
        docs = docs[docs["merchant_id"].isin(set(merchants["id"]))]

    def lexicon_score(text):
        toks = jieba.lcut_for_search(text, HMM=False)
        p = sum(1 for t in toks if t in pos)
        n = sum(1 for t in toks if t in neg)
        return (p - n) / (p + n + 1)

    docs["lex"] = docs["text"].map(lexicon_score)
    agg = docs.groupby("merchant_id").agg(
        stars=("rating", "mean"), lex=("lex", "mean"), n=("text", "size")
    )
    ranked = merchants[["id", "city"]].merge(agg, left_on="id", right_index=True, how="left")
    ranked["stars"] = ranked["stars"].fillna(3.0)
    ranked["lex"] = ranked["lex"].fillna(0.0)
    ranked["score"] = 0.7 * (ranked["stars"] - 1) / 4 + 0.3 * (ranked["lex"] + 1) / 2
    ranked = ranked.sort_values(["city", "score"], ascending=[True, False])
    ranked["rank"] = ranked.groupby("city").cumcount() + 1
    if args.out:
        ranked.to_csv(args.out, index=False)
    elapsed = time.perf_counter() - start
    print(json.dumps({"docs": int(len(docs)), "merchants": int(len(ranked)), "seconds": round(elapsed, 3)}))


if __name__ == "__main__":
    sys.exit(main())
