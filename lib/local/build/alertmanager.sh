#!/usr/bin/env bash
# Installs Alertmanager from the Go module proxy: a real sender of the webhook notifications capstan's
# /hooks/alertmanager route reads. v0.32+ cannot be `go install`ed (its UI assets are built by npm and are
# missing from the module zip); v0.31.x embeds them.
set -euo pipefail
version=${1:?usage: alertmanager.sh <version e.g. 0.31.1> <out dir>}
out=${2:?usage: alertmanager.sh <version> <out dir>}
mkdir -p "$out"
echo "alertmanager: go install github.com/prometheus/alertmanager/cmd/alertmanager@v$version (cold: about 1.5 min)"
GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$out" go install -trimpath -ldflags "-s -w" \
  "github.com/prometheus/alertmanager/cmd/alertmanager@v$version"
"$out/alertmanager" --version 2>&1 | sed -n 1p || true
