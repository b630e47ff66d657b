#!/usr/bin/env bash
# Regenerates spec/ (when KVCERTS_SPECS names a checkout of
# azure-rest-api-specs) and gen/ in a scratch copy of the module and fails if
# the result differs from the working tree, so hand edits and stale generated
# code are caught. KVCERTS_API is the API version to read (by default the
# one gen/ is generated from). make check-generate sets both from SPECS and API.
set -euo pipefail

root=$(pwd)
specs=${KVCERTS_SPECS:-}
if [ -n "$specs" ]; then
	case $specs in /*) ;; *) specs=$root/$specs ;; esac
fi
api=${KVCERTS_API:-$(sed -n 's/^const APIVersion = "\(.*\)"$/\1/p' gen/version.gen.go)}

# Only generated files and the two handwritten ones belong in gen/.
for f in gen/*; do
	case ${f#gen/} in
	*.gen.go | doc.go | wire.go | apiversion.go | *_test.go) ;;
	*) echo "check-generate: unexpected file $f (gen/ holds generated code and the hand-written doc.go, wire.go and apiversion.go only)" >&2; exit 1 ;;
	esac
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -R go.mod go.sum tools.go generate.go spec gen internal "$scratch"/
cd "$scratch"

if [ -n "$specs" ]; then
	rm spec/keyvault-certificates.json
	go run ./internal/specconv -specs "$specs" -api "$api" -out spec/keyvault-certificates.json
else
	echo "check-generate: SPECS (KVCERTS_SPECS) not set; checking gen/ against the committed spec only" >&2
fi
rm -f gen/*.gen.go
go generate .

status=0
diff -r "$root/spec" spec || status=1
diff -r "$root/gen" gen || status=1
if [ $status -ne 0 ]; then
	echo "check-generate: spec/ or gen/ differ from what the generators produce; run 'make spec generate' and commit, never edit them by hand" >&2
fi
exit $status
