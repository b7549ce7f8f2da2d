#!/usr/bin/env python3
"""Writes crates/jiceng/demo/messages.json.gz, the real citizen messages the demo's work orders
are built from.

Reads the shared real data (not part of this repository):
  ../shared/data/gov-messages/train.csv                  label,title,text (7 first-level classes)
  ../shared/data/gov-messages/messages-with-replies.csv  留言主题,留言时间,留言详情,答复意见,答复时间

Source: 2020 TipDM Cup (泰迪杯) data mining challenge, problem C: messages to a government
message board, collected from public internet sources; research/test use. Place names are
masked in the source (A市, A3区).

What it does, deterministically (no randomness; order by SHA-256 of each row's key):
  * cleans whitespace, splits titles folded into the text, truncates text (300 characters)
    and replies (200 characters, after the formulaic greeting is cut off);
  * masks personal data in free text: runs of 7+ digits and ID-card numbers keep their first 3
    and last 4 characters (fewer for short runs: at least 4 are masked); full names before a
    title (…书记, …老师) or after 叫/名叫/诉求人 keep only the surname (best effort: names
    without such a cue stay as written);
  * labels the messages with replies (they are unlabelled) with a multinomial naive Bayes over
    character 1-2-grams trained on train.csv, and prints its 5-fold cross-validated macro-F1;
  * samples the labelled messages with the category mix the replied ones have;
  * keeps the real handling time (留言时间 → 答复时间, days) and the hour of the message.

Usage: python3 scripts/make-demo-messages.py [DATA_DIR] [OUT]
Python 3 standard library only.
"""

import csv
import gzip
import hashlib
import json
import math
import os
import re
import sys
from collections import Counter
from datetime import datetime

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_DATA = os.path.join(ROOT, "..", "shared", "data", "gov-messages")
DEFAULT_OUT = os.path.join(ROOT, "crates", "jiceng", "demo", "messages.json.gz")

# How many of each: open orders need no reply; replied and archived ones take a real reply.
N_LABELLED = 450
N_REPLIED = 2500
MAX_TEXT = 300
MAX_REPLY = 200
LABELS = ["城乡建设", "劳动和社会保障", "教育文体", "商贸旅游", "卫生计生", "环境保护", "交通运输"]

SOURCE = {
    "data": "citizen messages (train.csv: label,title,text) and messages with the government's "
    "replies (messages-with-replies.csv)",
    "origin": "2020 TipDM Cup (泰迪杯数据挖掘挑战赛), problem C: messages to a government "
    "message board, collected from public internet sources",
    "licence": "competition data; research/test use",
    "changes": "sampled, truncated (text 300, reply 200 characters), personal data masked "
    "(long digit runs, ID-card numbers, full names before titles); place names were masked "
    "in the source (A市, A3区); labels of the replied messages predicted by naive Bayes",
}

# ---------------------------------------------------------------------------------- text


def squash(s):
    """Collapses whitespace; none is kept between CJK characters."""
    # "_x000D_" is a carriage return as a spreadsheet export spells it.
    s = re.sub(r"[\s\u3000\xa0]+", " ", (s or "").replace("_x000D_", " ")).strip()
    return re.sub(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])", "", s)


def truncate(s, limit):
    if len(s) <= limit:
        return s
    cut = s[: limit - 1]
    end = max(cut.rfind(p) for p in "。！？；")
    if end >= limit * 2 // 3:
        cut = cut[: end + 1]
    return cut + "…"


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔汤易欧阳欧"
)
TITLES = (
    "书记|市长|县长|区长|省长|局长|厅长|主任|校长|院长|老师|医生|经理|董事长|村长|支书|所长|队长"
    "|科长|处长|镇长|乡长|部长"
)
# Characters that make "X..书记" an office, not a person (党委书记, 常务副市长, 管委会主任).
NOT_IN_NAME = set("委务副党长市县区省镇乡村局厅校院总部主的和及与是在向给找请对被让把等了个位名")
NAME_BEFORE_TITLE = re.compile(f"([{SURNAMES}])([\u4e00-\u9fff]{{1,2}})(?={TITLES})")
NAME_AFTER_CUE = re.compile(
    f"(名叫|叫做|叫|姓名[：:]?|诉求人[：:]?|投诉人[：:]?|当事人[：:]?|联系人[：:]?)([{SURNAMES}])([\u4e00-\u9fff]{{1,2}})"
    "(?=[，,。；;、（(\\s]|$)"
)
DIGITS = re.compile(r"\d{17}[\dXx]|\d{7,}")


def mask_digits(m):
    """138****5678: the first 3 and last 4 kept, fewer for short runs (at least 4 masked)."""
    s = m.group(0)
    keep = len(s) - 4
    head = min(3, keep // 2)
    tail = min(4, keep - head)
    return s[:head] + "*" * (len(s) - head - tail) + s[len(s) - tail :]


def mask_name(m):
    if any(c in NOT_IN_NAME for c in m.group(2)):
        return m.group(0)
    return m.group(1) + "*" * len(m.group(2))


def mask_cued(m):
    if any(c in NOT_IN_NAME for c in m.group(3)):
        return m.group(0)
    return m.group(1) + m.group(2) + "*" * len(m.group(3))


def mask(s):
    s = DIGITS.sub(mask_digits, s)
    s = NAME_AFTER_CUE.sub(mask_cued, s)
    return NAME_BEFORE_TITLE.sub(mask_name, s)


# Where a title folded into the text ends: a greeting, the writer introducing themselves, or
# the title's words repeated at the start of the body.
BODY_START = re.compile(
    "尊敬|各位领导|(?:书记|厅长|市长|县长|区长|省长|局长|主任)?领导[：:，,]?(?:您好|你好)"
    "|[\u4e00-\u9fff](?:书记|厅长|市长|县长|区长|省长|局长|主任)[：:，,！!]?(?:您好|你好|：|:)"
    "|您好|你好|我(?![市省县区国])|本人|随着|近日|最近|近期|近年来|自从|据了解|据悉|这次|今年|去年|本月|前几天|座落|坐落|作为一名|举报人"
)


def split_folded(text):
    """(title, body) of a text whose title was folded in; title is None when unsure."""
    candidates = []
    m = BODY_START.search(text, 8)
    if m and m.start() <= 60:
        candidates.append(m.start())
    # The body often starts by repeating the title (after a place prefix such as "L6县").
    for n in range(8, min(60, len(text) - 5)):
        if any(text[n : n + 5] == text[j : j + 5] for j in range(0, min(7, n - 4))):
            candidates.append(n)
            break
    q = re.search("[？?！!]", text[8:61])
    if q:
        candidates.append(8 + q.end())
    if not candidates:
        return None, text
    n = min(candidates)
    if text[n - 2 : n] == "关于":
        n -= 2
    title, body = text[:n].strip("，,。：: "), text[n:].strip()
    if len(body) < 10:
        return title, text
    return title, body


def fallback_title(text):
    first = re.split("[，,。！!？?；;]", text, maxsplit=1)[0]
    return first[:30] if len(first) >= 6 else text[:30]


# --------------------------------------------------------------------------------- replies

GREETING_ENDS = [
    "回复如下：", "答复如下：", "回复如下:", "答复如下:", "汇报如下：", "情况如下：", "回复如下",
    "答复如下", "已收悉。", "已收悉！", "已收悉，", "收悉！", "收悉。", "收悉，", "您好！", "您好，",
    "您好：", "您好:", "您好。", "你好！", "你好，", "你好：", "网友：", "网友:",
]


def clean_reply(raw):
    s = squash(raw)
    s = re.sub(r"(网友)?[“\"]?UU\d+[”\"]?[：:]?", "", s)
    head = s[:160]
    end = 0
    for g in GREETING_ENDS:
        i = head.rfind(g)
        if i >= 0:
            end = max(end, i + len(g))
    s = s[end:].lstrip("，,。：: ")
    s = re.sub(r"\s*(20\d\d年\d{1,2}月\d{1,2}日)$", "", s)
    return s


# ------------------------------------------------------------------------------ classifier


def grams(s):
    s = s[:400]
    return [c for c in s] + [s[i : i + 2] for i in range(len(s) - 1)]


class NaiveBayes:
    def __init__(self, docs, labels, alpha=0.1):
        self.counts = {l: Counter() for l in LABELS}
        prior = Counter(labels)
        for d, l in zip(docs, labels):
            self.counts[l].update(grams(d))
        vocab = set()
        for c in self.counts.values():
            vocab.update(c)
        self.v = len(vocab)
        self.alpha = alpha
        self.total = {l: sum(c.values()) for l, c in self.counts.items()}
        self.logprior = {l: math.log(prior[l] / len(labels)) for l in LABELS}

    def predict(self, doc):
        g = grams(doc)
        best, label = None, None
        for l in LABELS:
            c, t = self.counts[l], self.total[l] + self.alpha * self.v
            score = self.logprior[l] + sum(math.log((c[x] + self.alpha) / t) for x in g)
            if best is None or score > best:
                best, label = score, l
        return label


def macro_f1(gold, pred):
    f1s = []
    for l in LABELS:
        tp = sum(1 for g, p in zip(gold, pred) if g == l and p == l)
        fp = sum(1 for g, p in zip(gold, pred) if g != l and p == l)
        fn = sum(1 for g, p in zip(gold, pred) if g == l and p != l)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1s) / len(f1s)


def cross_validate(docs, labels, k=5):
    pred = [None] * len(docs)
    for fold in range(k):
        train = [i for i in range(len(docs)) if i % k != fold]
        nb = NaiveBayes([docs[i] for i in train], [labels[i] for i in train])
        for i in range(fold, len(docs), k):
            pred[i] = nb.predict(docs[i])
    return macro_f1(labels, pred)


# ------------------------------------------------------------------------------------ main


def key(*parts):
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def labelled(path):
    out = []
    for i, r in enumerate(read_csv(path)):
        label, text = r["label"].strip(), squash(r["text"]).lstrip('"“')
        if label not in LABELS or len(text) < 10:
            continue
        title = squash(r["title"])
        if not title:
            title, text = split_folded(text)
        title = title or fallback_title(text)
        out.append({"key": key("train", str(i), text), "label": label, "title": title, "text": text})
    return out


def replied(path):
    out = []
    fmt = "%Y-%m-%d %H:%M:%S"
    for r in read_csv(path):
        text, reply = squash(r["留言详情"]), clean_reply(r["答复意见"])
        title = squash(r["留言主题"])
        try:
            asked = datetime.strptime(r["留言时间"].strip(), fmt)
            answered = datetime.strptime(r["答复时间"].strip(), fmt)
        except ValueError:
            continue
        days = (answered - asked).total_seconds() / 86400
        if len(text) < 10 or len(reply) < 20 or not title or days <= 0:
            continue
        out.append({
            "key": key("replies", r["留言编号"], text),
            "title": title,
            "text": text,
            "reply": reply,
            "days": round(days, 2),
            "hour": asked.hour,
        })
    return out


def finish(m):
    m["title"] = truncate(mask(m["title"]), 40)
    m["text"] = truncate(mask(m["text"]), MAX_TEXT)
    if "reply" in m:
        m["reply"] = truncate(mask(m["reply"]), MAX_REPLY)
    del m["key"]
    return m


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_DATA
    out = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_OUT
    train = labelled(os.path.join(data, "train.csv"))
    replies = replied(os.path.join(data, "messages-with-replies.csv"))
    docs = [t["title"] + t["text"] for t in train]
    labels = [t["label"] for t in train]
    f1 = cross_validate(docs, labels)
    nb = NaiveBayes(docs, labels)

    train.sort(key=lambda m: m["key"])
    replies.sort(key=lambda m: m["key"])
    chosen_replies = replies[:N_REPLIED]
    for m in chosen_replies:
        m["label"] = nb.predict(m["title"] + m["text"])
        m["label_predicted"] = True
    # The open orders (labelled messages) share the categories of the closed ones (replied
    # messages), so the backlog looks like the archive.
    mix = Counter(m["label"] for m in chosen_replies)
    quota = {l: round(N_LABELLED * mix[l] / len(chosen_replies)) for l in LABELS}
    chosen_train = []
    for m in train:
        if quota[m["label"]] > 0:
            quota[m["label"]] -= 1
            chosen_train.append(m)
    messages = [finish(m) for m in chosen_train + chosen_replies]
    order = ["label", "label_predicted", "title", "text", "reply", "days", "hour"]

    def dump(obj):
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))

    header = {
        "about": "Real citizen messages for Jiceng's demo work orders: "
        f"{len(chosen_train)} labelled ones without a reply, then {len(chosen_replies)} with the "
        "government's reply and real handling time in days. Written by "
        "scripts/make-demo-messages.py; do not edit by hand.",
        "source": SOURCE,
        "classifier": f"naive Bayes over character 1-2-grams, 5-fold CV macro-F1 {f1:.3f} on train.csv",
    }
    lines = ["{"]
    for k, v in header.items():
        lines.append(f"{dump(k)}:{dump(v)},")
    lines.append('"messages":[')
    for i, m in enumerate(messages):
        row = {k: m[k] for k in order if k in m}
        lines.append(dump(row) + ("," if i + 1 < len(messages) else ""))
    lines.append("]}")
    text = "\n".join(lines) + "\n"
    json.loads(text)  # fail here rather than in the binary
    raw = text.encode("utf-8")
    with open(out, "wb") as f:
        f.write(gzip.compress(raw, compresslevel=9, mtime=0))
    counts = Counter(m["label"] for m in messages)
    print(
        f"wrote {out}: {len(messages)} messages ({len(chosen_train)} labelled, "
        f"{len(chosen_replies)} with replies), {len(raw)} bytes of JSON, "
        f"{os.path.getsize(out)} gzipped; classifier CV macro-F1 {f1:.3f}"
    )
    print("  " + ", ".join(f"{l} {counts[l]}" for l in LABELS))


if __name__ == "__main__":
    main()
