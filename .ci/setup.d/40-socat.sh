#!/usr/bin/env bash
# socat: the reference copy for `framing bench` (chapter 5,
# tests/ch05_file_transfer.rs: bench_prints_figures_next_to_the_loopback_limit_and_socat,
# which fails without it under NETLAB_REQUIRE_PEERS=1). Idempotent; runs as root in
# CI. This file may be sourced, so it neither sets shell options nor exits (the
# work happens in a subshell).
if ! command -v socat >/dev/null 2>&1; then
    (
        set -e
        export DEBIAN_FRONTEND=noninteractive
        # A fresh machine's package lists may be empty or stale.
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends socat
    )
fi
