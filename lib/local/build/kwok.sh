#!/usr/bin/env bash
# Installs the kwok controller (fake nodes and pod lifecycle) from the Go module proxy.
set -euo pipefail
version=${1:?usage: kwok.sh <version e.g. 0.8.0> <out dir>}
out=${2:?usage: kwok.sh <version> <out dir>}
mkdir -p "$out"
echo "kwok: go install sigs.k8s.io/kwok/cmd/kwok@v$version (cold: 2-4 min)"
GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$out" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v$version"
"$out/kwok" --version 2>/dev/null | sed -n 1p || true
