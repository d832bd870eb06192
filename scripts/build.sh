#!/usr/bin/env bash
# Builds the native addon (only when its sources changed) and the TypeScript (incrementally).
# LIBTORCH=/path/to/libtorch builds against another libtorch (e.g. a CUDA build); default: Debian's.
set -euo pipefail
cd "$(dirname "$0")/.."
# One build at a time per checkout: two concurrent node-gyp rebuilds delete each other's objects.
# (The lock lives outside build/, which node-gyp rebuild deletes.)
exec 9>node_modules/.atelier-build.lock
flock 9
stamp=build/.atelier-sources-sha256
want=$( (cat binding.gyp native/*; echo "LIBTORCH=${LIBTORCH:-}") | sha256sum | cut -d' ' -f1)
built=1
for addon in atelier_native atelier_flow atelier_image; do [ -f "build/Release/$addon.node" ] || built=0; done
if [ "$built" = 0 ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "atelier setup: building the native addon (libtorch: ${LIBTORCH:-Debian})" >&2
  nodedir=(); [ -f /usr/include/node/node_api.h ] && nodedir=(--nodedir=/usr)
  # A clean rebuild only when there is no build yet or binding.gyp / LIBTORCH changed; otherwise an
  # incremental make recompiles only the changed sources (a full rebuild takes ~2 min on 2 cores).
  gypstamp=build/.atelier-gyp-sha256
  gypwant=$( (cat binding.gyp; echo "LIBTORCH=${LIBTORCH:-}") | sha256sum | cut -d' ' -f1)
  if [ ! -f build/Makefile ] || [ ! -f "$gypstamp" ] || [ "$(cat "$gypstamp")" != "$gypwant" ]; then
    npx --no-install node-gyp rebuild "${nodedir[@]}" -j 2 >&2
    echo "$gypwant" > "$gypstamp"
  else
    npx --no-install node-gyp build "${nodedir[@]}" -j 2 >&2
  fi
  echo "$want" > "$stamp"
fi
npx --no-install tsc -p . --incremental --tsBuildInfoFile dist/.tsbuildinfo >&2

# The review web app (src/web, React + Vite) -> dist/web, only when its sources or the lockfile changed.
webstamp=dist/web/.atelier-web-sha256
webwant=$( (find src/web -type f | LC_ALL=C sort | xargs cat; cat package-lock.json) | sha256sum | cut -d' ' -f1)
if [ ! -f "$webstamp" ] || [ "$(cat "$webstamp")" != "$webwant" ]; then
  echo "atelier setup: building the web app (vite)" >&2
  npx --no-install vite build --config src/web/vite.config.ts --logLevel warn >&2
  echo "$webwant" > "$webstamp"
fi
