#!/usr/bin/env bash
# The dependency policy of deny.toml: licences, duplicate versions and sources always; security
# advisories when JICENG_ADVISORY_DB names a checkout of the RustSec advisory database (a git
# repository on GitHub, which is not reachable from every build machine).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo deny --version >/dev/null 2>&1; then
  echo "cargo-deny: not installed (cargo install cargo-deny --locked), skipping the dependency policy check."
  exit 0
fi
# The check reads the whole dependency graph, every platform's crates included: fetch them
# (a build downloads only this platform's).
cargo fetch --locked --quiet
cargo deny --offline check licenses bans sources

if [ -z "${JICENG_ADVISORY_DB:-}" ]; then
  echo "cargo-deny advisories: JICENG_ADVISORY_DB is not set, skipping the RustSec advisory check."
  exit 0
fi
db=$(mktemp -d)
trap 'rm -rf "$db"' EXIT
# The folder name cargo-deny gives the default database URL inside its db-path.
ln -s "$(realpath "$JICENG_ADVISORY_DB")" "$db/advisory-db-3157b0e258782691"
sed "s#^\[advisories\]#[advisories]\ndb-path = \"$db\"#" deny.toml > "$db/deny.toml"
cargo deny --offline --config "$db/deny.toml" check advisories
