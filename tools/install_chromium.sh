#!/usr/bin/env bash
# Install Debian's headless-capable Chromium at /usr/bin/chromium, which tests/test_docs_site.py drives.
# Idempotent: does nothing when /usr/bin/chromium is already there. Uses sudo only when not root.
# (Never `playwright install`: it downloads a browser build from outside the package registries.)
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
/usr/bin/chromium --version
