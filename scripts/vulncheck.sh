#!/usr/bin/env bash
# make vulncheck: govulncheck over every package, offline.
#
# govulncheck (pinned as a tool in go.mod) reads the Go vulnerability
# database from a directory of OSV files. The database comes as the Go
# module golang.org/x/vulndb (its data/osv folder), downloaded through the
# Go module proxy like any module, so this runs on machines that reach
# nothing but the proxy. VULNDB_VERSION pins the database: bump it to a newer
# pseudo-version of golang.org/x/vulndb to learn of newer advisories
# (`go list -m -versions` lists none for it; take the pseudo-version of a
# recent commit, e.g. from `go list -m golang.org/x/vulndb@master`).
set -euo pipefail
cd "$(dirname "$0")/.."

VULNDB_VERSION="${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}"
GO="${GO:-go}"

dir="$($GO mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
if [ -z "$dir" ] || [ ! -d "$dir/data/osv" ]; then
	echo "vulncheck: could not download golang.org/x/vulndb@$VULNDB_VERSION" >&2
	exit 1
fi
echo "vulncheck: $($GO env GOVERSION), database golang.org/x/vulndb@$VULNDB_VERSION ($(ls "$dir/data/osv" | wc -l) advisories)"
exec $GO tool govulncheck -db "file://$dir/data/osv" "${@:-./...}"
