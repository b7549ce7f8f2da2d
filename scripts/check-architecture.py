#!/usr/bin/env python3
"""Fails when the README's crate diagram and the workspace disagree.

The diagram (between the `crates:begin` and `crates:end` markers of README.md) has one line per
crate: `NAME → DEP, DEP   what it owns` (`→ —` for none). Every workspace member must be listed
once, with exactly the workspace crates its `[dependencies]` name (dev-dependencies do not count).
"""
import pathlib
import re
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def workspace():
    manifest = tomllib.loads((ROOT / "Cargo.toml").read_text())
    members = manifest["workspace"]["members"]
    crates = {}
    for member in members:
        data = tomllib.loads((ROOT / member / "Cargo.toml").read_text())
        crates[data["package"]["name"]] = set(data.get("dependencies", {}))
    names = set(crates)
    return {name: deps & names for name, deps in crates.items()}


def diagram():
    text = (ROOT / "README.md").read_text()
    m = re.search(r"<!-- crates:begin -->(.*?)<!-- crates:end -->", text, re.S)
    if not m:
        sys.exit("README.md: no <!-- crates:begin --> … <!-- crates:end --> block")
    listed = {}
    for line in m.group(1).splitlines():
        row = re.match(r"^(jiceng[\w-]*)\s+→\s+(.*?)(?:\s{2,}|$)", line)
        if not row:
            continue
        name, deps = row.group(1), row.group(2).strip()
        if name in listed:
            sys.exit(f"README.md: crate {name} is listed twice in the diagram")
        listed[name] = set() if deps == "—" else {d.strip() for d in deps.split(",")}
    return listed


def main():
    actual, drawn = workspace(), diagram()
    problems = []
    for name in sorted(actual.keys() - drawn.keys()):
        problems.append(f"{name} is a workspace crate but the README diagram does not list it")
    for name in sorted(drawn.keys() - actual.keys()):
        problems.append(f"{name} is in the README diagram but not in the workspace")
    for name in sorted(actual.keys() & drawn.keys()):
        if actual[name] != drawn[name]:
            problems.append(
                f"{name}: the diagram says → {', '.join(sorted(drawn[name])) or '—'}; "
                f"Cargo.toml says → {', '.join(sorted(actual[name])) or '—'}"
            )
    if problems:
        print("README architecture diagram is out of date:", *problems, sep="\n  ")
        sys.exit(1)
    print(f"architecture diagram: {len(actual)} crates and their dependencies match")


if __name__ == "__main__":
    main()
