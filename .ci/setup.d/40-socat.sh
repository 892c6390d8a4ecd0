#!/usr/bin/env bash
# socat: the reference copy for `framing bench` and a raw byte pipe for the
# chapter 5 tests (it sends bytes with no framing at all). Idempotent; runs as root.
set -euo pipefail
if ! command -v socat >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends socat
fi
