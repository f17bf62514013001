#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler and kubectl from the Go module proxy.
# k8s.io/kubernetes points its staging modules at ./staging, which a module download does not contain,
# so a wrapper module replaces each of them with its published v0.X.Y twin (list read from upstream go.mod).
set -euo pipefail
version=${1:?usage: kube.sh <version e.g. 1.34.4> <out dir>}
out=${2:?usage: kube.sh <version> <out dir>}
minor=$(echo "$version" | cut -d. -f2)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0

echo "kube: resolving k8s.io/kubernetes@v$version"
gomod=$(go mod download -json "k8s.io/kubernetes@v$version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
staging=$(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$gomod")
[ -n "$staging" ] || { echo "kube: no staging replaces found in $gomod" >&2; exit 1; }

{
  echo "module capstan.local/kube-build"
  echo "go 1.24"
  echo "require k8s.io/kubernetes v$version"
  for m in $staging; do echo "replace $m => $m v0.$minor.${version##*.}"; done
} > go.mod
echo "kube: $(echo "$staging" | wc -l) staging modules replaced; downloading modules"
go mod download k8s.io/kubernetes
cat > tools.go <<'GO'
//go:build tools
package tools
import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
go mod tidy -e >/dev/null 2>&1 || true

v="v$version"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  ldflags+=" -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
done
mkdir -p "$out"
echo "kube: compiling 4 binaries (cold: 10-25 min on 2 cores; cached afterwards)"
go build -trimpath -ldflags "$ldflags" -o "$out/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
"$out/kube-apiserver" --version
