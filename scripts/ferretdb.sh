#!/usr/bin/env bash
# FerretDB 1.24.2 (a MongoDB wire-protocol server, SQLite backend) for running the MongoDB tests locally.
#
#   scripts/ferretdb.sh build   builds it when missing (Go and the Go module proxy; a few minutes cold)
#                               and prints the binary's path
#   scripts/ferretdb.sh [PORT]  builds it when missing and runs it in the foreground on 127.0.0.1:PORT
#                               (default 27018) with a fresh temporary data directory, removed at exit;
#                               then, in another terminal: MONGODB_URI=mongodb://127.0.0.1:PORT/ npm test
#
# The binary is built from test/ferretdb (our go.mod/go.sum pin the version) into a cache outside the
# repository and reused: ${XDG_CACHE_HOME:-$HOME/.cache}/collaboratory/ferretdb-1.24.2/ferretdb.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/collaboratory/ferretdb-1.24.2"
bin="$cache/ferretdb"

build() {
  [ -x "$bin" ] && return 0
  command -v go >/dev/null 2>&1 || { echo "ferretdb.sh: Go is needed to build FerretDB (https://go.dev/dl/)" >&2; exit 1; }
  mkdir -p "$cache"
  echo "ferretdb.sh: building FerretDB 1.24.2 into $bin (a few minutes the first time)" >&2
  # Built to a temporary name and renamed, so an interrupted build never leaves a broken binary behind.
  (cd "$root/test/ferretdb" && go build -trimpath -o "$bin.tmp.$$" .)
  mv "$bin.tmp.$$" "$bin"
}

case "${1:-}" in
  build)
    build
    echo "$bin"
    ;;
  ''|[0-9]*)
    build
    port="${1:-27018}"
    data="$(mktemp -d)"
    trap 'rm -rf "$data"' EXIT
    echo "FerretDB on 127.0.0.1:$port (data in $data, removed at exit). Run the tests with:" >&2
    echo "  MONGODB_URI=mongodb://127.0.0.1:$port/ npm test" >&2
    "$bin" -listen "127.0.0.1:$port" -sqlite-dir "$data"
    ;;
  *)
    sed -n '2,11p' "$0" >&2
    exit 2
    ;;
esac
