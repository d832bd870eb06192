#!/usr/bin/env bash
# Builds the native addon (only when its sources changed) and the TypeScript (incrementally).
# LIBTORCH=/path/to/libtorch builds against another libtorch (e.g. a CUDA build); default: Debian's.
set -euo pipefail
cd "$(dirname "$0")/.."
addon=build/Release/atelier_native.node
stamp=build/.atelier-sources-sha256
want=$( (cat binding.gyp native/*; echo "LIBTORCH=${LIBTORCH:-}") | sha256sum | cut -d' ' -f1)
if [ ! -f "$addon" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "atelier setup: building the native addon (libtorch: ${LIBTORCH:-Debian})" >&2
  nodedir=(); [ -f /usr/include/node/node_api.h ] && nodedir=(--nodedir=/usr)
  npx --no-install node-gyp rebuild "${nodedir[@]}" -j 2 >&2
  echo "$want" > "$stamp"
fi
npx --no-install tsc -p . --incremental --tsBuildInfoFile dist/.tsbuildinfo >&2
