#!/usr/bin/env bash
# Chapter 2 (tests/ch02_http.rs): a real headless browser is the client of
# `tcp-demo http`. Debian's chromium; idempotent, runs as root in CI.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi
