"""Baseline for the classifier bench: scikit-learn TF-IDF (character 1-3-grams, sublinear TF)
+ LinearSVC, the reference the issue names, in k-fold cross-validation.

Usage: sklearn_baseline.py --data train.csv [--folds folds.txt] [--k 5]
--folds: one fold number per data row (the Rust bench writes its own folds, so both models
see the same splits); without it, scikit-learn's StratifiedKFold(shuffle, seed 0).
Prints one JSON object: macro_f1, train_seconds (mean per fold), predictions_per_second
(vectorise + predict the held-out fold on one core), rows. Times are CPU time of this
process/thread, so other work on the machine does not count against it.
"""
import argparse, csv, json, os, sys, time

# One core, as the Rust side is measured.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--folds")
    ap.add_argument("--k", type=int, default=5)
    a = ap.parse_args()
    with open(a.data, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    texts = np.array([(r.get("title") or "") + " " + r["text"] for r in rows], dtype=object)
    labels = np.array([r["label"] for r in rows])
    if a.folds:
        with open(a.folds) as f:
            fold = np.array([int(line) for line in f if line.strip()])
        splits = [(np.where(fold != k)[0], np.where(fold == k)[0]) for k in sorted(set(fold))]
    else:
        skf = StratifiedKFold(a.k, shuffle=True, random_state=0)
        splits = list(skf.split(texts, labels))
    pred = np.empty(len(labels), dtype=object)
    train_s, predict_s = [], 0.0
    for tr, te in splits:
        t0 = time.process_time()
        vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        svm = LinearSVC(C=1.0)
        svm.fit(vec.fit_transform(texts[tr]), labels[tr])
        train_s.append(time.process_time() - t0)
        t0 = time.thread_time()
        pred[te] = svm.predict(vec.transform(texts[te]))
        predict_s += time.thread_time() - t0
    json.dump({
        "macro_f1": float(f1_score(labels, pred.astype(str), average="macro")),
        "train_seconds": float(np.mean(train_s)),
        "predictions_per_second": len(labels) / predict_s,
        "rows": len(labels),
    }, sys.stdout)
    print()


if __name__ == "__main__":
    main()
