# tshark (Wireshark's command-line reader) and iproute2: the tests read every
# capture file our programs write back with tshark (chapter 3's `net-basics
# capture` and `lan --pcap`, the proxies' `--pcap` of chapters 4 and 5), and
# `net-basics lan --real` builds its namespaces with `ip` and `bridge`.
# Idempotent; runs as root in CI. This file may be sourced, so it neither sets
# shell options nor exits (the work happens in a subshell).
if ! command -v tshark >/dev/null 2>&1 || ! command -v bridge >/dev/null 2>&1; then
    (
        set -e
        export DEBIAN_FRONTEND=noninteractive
        # A fresh machine's package lists may be empty or stale.
        apt-get update -qq
        # wireshark-common asks whether non-root users may capture (a setuid
        # dumpcap): answer "no" before it asks, so the install never stops.
        echo 'wireshark-common wireshark-common/install-setuid boolean false' \
            | debconf-set-selections
        apt-get install -y -qq --no-install-recommends tshark iproute2
    )
fi
