#!/usr/bin/env bash
# Installs the browser the browser tests drive, and does nothing when it is present:
#   chromium  from Debian's package (Playwright cannot download its own browser builds here).
# tests/browser/conftest.py runs it once per session, so a clean machine and CI get it.
# Usage: scripts/install-browser.sh   (prints the browser's path on stdout)
set -euo pipefail

CHROMIUM="${PAARS_CHROMIUM:-/usr/bin/chromium}"

log() { echo "install-browser: $*" >&2; }

if [ ! -x "$CHROMIUM" ]; then
    log "installing chromium (Debian package)"
    export DEBIAN_FRONTEND=noninteractive
    # An install from stale or missing package lists fails; update only then, to stay fast otherwise.
    {
        apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends chromium ||
            { apt-get -o DPkg::Lock::Timeout=300 update -q &&
                apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends chromium; }
    } >&2
    [ -x "$CHROMIUM" ] || { log "chromium still missing at $CHROMIUM after installing"; exit 1; }
fi
echo "$CHROMIUM"
