# chrony: a real NTP implementation for the time-sync interop tests (chapter 4,
# tests/ch04_time_sync_chrony.rs). The tests run `chronyd -x` (never touches the
# clock) on an unprivileged loopback port and `chronyd -Q` (query once, never set
# the clock). Idempotent; runs as root in CI. This file may be sourced, so it
# neither sets shell options nor exits (the work happens in a subshell).
#
# Note: Debian's chrony replaces systemd-timesyncd (both provide time-daemon), so
# on a fresh machine apt removes that package. Nothing else changes.
if ! command -v chronyd >/dev/null 2>&1 && [ ! -x /usr/sbin/chronyd ]; then
    (
        set -e
        export DEBIAN_FRONTEND=noninteractive
        # A fresh machine's package lists may be empty or stale.
        apt-get update -qq
        # Installing the package must not start the system's chronyd, which would
        # adjust this machine's clock: policy-rc.d forbids service starts while
        # the package installs (Debian's documented mechanism, honoured by
        # invoke-rc.d and deb-systemd-invoke). Docker images already have one;
        # otherwise ours is removed afterwards, even if the install fails.
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\n# netlab .ci/setup.d/30-chrony.sh: no service starts\nexit 101\n' \
                > /usr/sbin/policy-rc.d
            chmod +x /usr/sbin/policy-rc.d
            trap 'rm -f /usr/sbin/policy-rc.d' EXIT
        fi
        # confdef/confold: never stop to ask about a leftover configuration file.
        apt-get install -y -qq --no-install-recommends \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            chrony
    )
fi
