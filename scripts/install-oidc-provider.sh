#!/usr/bin/env bash
# Installs the OpenID provider the browser tests sign in against (npm oidc-provider, pinned by
# tests/oidc/package-lock.json), and does nothing when the locked version is already there.
# tests/browser/conftest.py runs it once per session. Needs Node.js 20+ and npm (on the machine).
set -euo pipefail

DIR="$(cd "$(dirname "$0")/../tests/oidc" && pwd)"

log() { echo "install-oidc-provider: $*" >&2; }

command -v node >/dev/null 2>&1 || { log "node is not installed"; exit 1; }
locked="$(node -p 'require(process.argv[1]).packages["node_modules/oidc-provider"].version' "$DIR/package-lock.json")"
present="$(node -p 'try { require(process.argv[1]).version } catch { "" }' "$DIR/node_modules/oidc-provider/package.json")"
if [ "$present" != "$locked" ]; then
    log "installing oidc-provider $locked"
    (cd "$DIR" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi
echo "$DIR/provider.js"
