#!/usr/bin/env bash
# Builds etcd from the Go module proxy. `go install` refuses etcd (its go.mod has replace directives),
# so a wrapper module calls etcdmain.Main like upstream's own main package does.
set -euo pipefail
version=${1:?usage: etcd.sh <version e.g. 3.6.6> <out dir>}
out=${2:?usage: etcd.sh <version> <out dir>}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
go mod init capstan.local/etcd-build >/dev/null 2>&1
cat > main.go <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
echo "etcd: fetching go.etcd.io/etcd/server/v3@v$version"
go get "go.etcd.io/etcd/server/v3@v$version" >/dev/null
go mod tidy >/dev/null
mkdir -p "$out"
echo "etcd: compiling (cold: 2-4 min)"
go build -trimpath -ldflags "-s -w" -o "$out/etcd" .
"$out/etcd" --version | sed -n 1p
