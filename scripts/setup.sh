#!/usr/bin/env bash
# One idempotent set-up for every entry point (demo, test, bench): Debian packages, npm ci,
# native addon, TypeScript build. Each step is skipped quickly when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages. libopenblas0-pthread matters: without it libtorch's matmuls run ~30x slower.
# chromium: the browser tests of the dailies web app drive Debian's build (playwright-core, no download).
# redis-server, postgresql: the farm (BullMQ) and shared-workspace tests start their own servers in a
# temporary directory; a studio's single machine never needs them running.
# libopenexr-dev, libopencolorio-dev: EXR in and out and colour management (the atelier_image addon);
# openexr, openimageio-tools: exrheader and oiiotool, with which the tests write and check EXR files.
# fonts-dejavu-core: the font of movie burn-ins (ffmpeg's drawtext needs a font file; nothing is downloaded).
PKGS=(libtorch-dev libopenblas0-pthread libopencv-dev ffmpeg python3 make g++ pkg-config chromium redis-server postgresql
  libopenexr-dev libopencolorio-dev openexr openimageio-tools fonts-dejavu-core)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "atelier setup: installing Debian packages: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 \
    || { $SUDO apt-get update -q >&2 && $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
fi

# npm ci only when the lockfile changed since the last install.
stamp=node_modules/.atelier-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "atelier setup: npm ci" >&2
  npm ci --no-audit --no-fund >&2
  echo "$want" > "$stamp"
fi

bash scripts/build.sh
