#!/bin/sh
# Build the Debian package from this checkout: dist/gsmgateway_<version>_<arch>.deb.
#
# The build runs on a copy of the files a commit would hold (tracked ones and new ones git does not
# ignore), in build/deb/, so it never sees .venv/, var/ or caches, and never litters the checkout.
# The tools come from `make deb-tools` (the Makefile runs it first).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/build/deb"
dist="$root/dist"

if ! git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    echo "packaging/build-deb.sh: $root is not a git checkout; the package is built from its files" >&2
    exit 1
fi

rm -rf "$work"
mkdir -p "$work/gsmgateway" "$dist"
# --ignore-failed-read: a tracked file deleted in the work tree is simply not copied.
git -C "$root" ls-files -z --cached --others --exclude-standard \
    | tar -C "$root" --null --files-from=- --ignore-failed-read -cf - 2>/dev/null \
    | tar -C "$work/gsmgateway" -xf -

cd "$work/gsmgateway"
version=$(dpkg-parsechangelog --show-field Version)
upstream=$(sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml)
if [ "$version" != "$upstream" ]; then
    echo "packaging/build-deb.sh: debian/changelog says $version, pyproject.toml says $upstream;" \
         "add a debian/changelog entry for $upstream" >&2
    exit 1
fi
arch=$(dpkg --print-architecture)
dpkg-buildpackage --build=binary --no-sign
mv "$work/gsmgateway_${version}_${arch}.deb" "$dist/"
echo "built $dist/gsmgateway_${version}_${arch}.deb"
