#!/usr/bin/env bash
# Fetches Google's SentencePiece 0.1.97 (the release Debian 12 ships and the golden data was made
# with) into build/third_party/sentencepiece-0.1.97/, where CMakeLists.txt compiles its encoder into
# both builds. The sources never enter the repository: the pristine upstream tarball comes from
# Debian's archive (the same file `apt-get source sentencepiece` fetches on bookworm) and must match
# the pinned sha256. It is kept in .cache/ so a clean build/ does not download it again.
#   SENTENCEPIECE_TARBALL=/path/sentencepiece_0.1.97.orig.tar.gz   use a local copy (offline)
set -euo pipefail
cd "$(dirname "$0")/../.."

version=0.1.97
sha256=56430381f45dc6debfd2e0cbde4f039f9499c49ca825af184b0cbf318c17a18f
tarball_name="sentencepiece_${version}.orig.tar.gz"
url="http://deb.debian.org/debian/pool/main/s/sentencepiece/${tarball_name}"
dest="build/third_party/sentencepiece-${version}"

[ -f "$dest/.complete" ] && exit 0

tarball="${SENTENCEPIECE_TARBALL:-.cache/downloads/${tarball_name}}"
if [ ! -f "$tarball" ]; then
  mkdir -p "$(dirname "$tarball")"
  echo "fetch-sentencepiece: downloading ${url}" >&2
  curl -fsSL --retry 3 -o "$tarball.part" "$url" ||
    { echo "fetch-sentencepiece: could not download ${url}; set SENTENCEPIECE_TARBALL to a local copy" >&2; exit 1; }
  mv "$tarball.part" "$tarball"
fi
actual="$(sha256sum "$tarball" | cut -d' ' -f1)"
if [ "$actual" != "$sha256" ]; then
  echo "fetch-sentencepiece: $tarball has sha256 $actual, expected $sha256; delete it and run again" >&2
  exit 1
fi
rm -rf "$dest"
mkdir -p build/third_party
# Only what the encoder build reads (the data/ and python/ folders are most of the 12 MB).
tar -xzf "$tarball" -C build/third_party \
  "sentencepiece-${version}/src" "sentencepiece-${version}/third_party" \
  "sentencepiece-${version}/LICENSE" "sentencepiece-${version}/VERSION.txt"
touch "$dest/.complete"
