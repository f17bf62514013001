#!/usr/bin/env bash
# Builds the Mattermost server (open source, Team Edition code) from the Go module proxy: a real Mattermost
# the notifier posts its approval messages to, whose buttons call capstan's /hooks/mattermost/actions.
# github.com/mattermost/mattermost-server/v6 is the newest Mattermost module the proxy here serves (the
# monorepo's server/v8 lists no version). Its go.mod has a replace directive, so it cannot be `go install`ed:
# the module is downloaded and built inside a copy of it. Its old golang.org/x/net links to syscall.recvmsg,
# which Go 1.23+ refuses by default: -checklinkname=0. The server needs i18n/, templates/ and fonts/ beside
# it at run time (no webapp: the API is all capstan uses).
set -euo pipefail
# Like every Go build script here it is given the component's bin/ folder; the assets go beside it, in the
# component's folder, which is the server's working directory (lib/local/mattermost.ts).
version=${1:?usage: mattermost.sh <version e.g. 6.7.2> <bin dir>}
bin=${2:?usage: mattermost.sh <version> <bin dir>}
module=github.com/mattermost/mattermost-server/v6
mkdir -p "$bin"
out=$(cd "$bin/.." && pwd)
echo "mattermost: go mod download $module@v$version, then go build ./cmd/mattermost (cold: about 7 min)"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
dir=$(go mod download -json "$module@v$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$dir" ] || { echo "mattermost: go mod download gave no module folder" >&2; exit 1; }
src="$out/.src"
cp -r "$dir" "$src"
chmod -R u+w "$src"
(cd "$src" && go build -trimpath -ldflags "-s -w -checklinkname=0" -o "$bin/mattermost" ./cmd/mattermost)
for d in i18n templates fonts; do cp -r "$src/$d" "$out/$d"; done
rm -rf "$src"
"$bin/mattermost" version 2>/dev/null | sed -n 1p || true
