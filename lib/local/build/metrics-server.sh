#!/usr/bin/env bash
# Installs metrics-server from the Go module proxy: the real resource metrics API (metrics.k8s.io) that
# the HPA controller reads, fed from kwok's emulated kubelet /metrics/resource endpoints.
set -euo pipefail
version=${1:?usage: metrics-server.sh <version e.g. 0.9.0> <out dir>}
out=${2:?usage: metrics-server.sh <version> <out dir>}
mkdir -p "$out"
echo "metrics-server: go install sigs.k8s.io/metrics-server/cmd/metrics-server@v$version (cold: about 2.5 min, 1.4 GiB)"
GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$out" go install -trimpath -ldflags "-s -w" \
  "sigs.k8s.io/metrics-server/cmd/metrics-server@v$version"
"$out/metrics-server" --version 2>&1 | sed -n 1p || true
