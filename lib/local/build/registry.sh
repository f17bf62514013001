#!/usr/bin/env bash
# Installs the CNCF Distribution registry (the reference Docker Registry v2) from the Go module proxy: a
# real producer of registry notifications for the demo and the integration tests.
set -euo pipefail
version=${1:?usage: registry.sh <version e.g. 3.1.2> <out dir>}
out=${2:?usage: registry.sh <version> <out dir>}
mkdir -p "$out"
echo "registry: go install github.com/distribution/distribution/v3/cmd/registry@v$version (cold: 2-4 min)"
GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$out" go install -trimpath -ldflags "-s -w" \
  "github.com/distribution/distribution/v3/cmd/registry@v$version"
"$out/registry" --version 2>/dev/null | sed -n 1p || true
