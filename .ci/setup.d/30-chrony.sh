# chrony: a real NTP implementation for the time-sync interop tests (chapter 4,
# tests/ch04_time_sync_chrony.rs). The tests run `chronyd -x` (never touches the
# clock) on an unprivileged loopback port and `chronyd -Q` (query once, never set
# the clock). Idempotent; runs as root in CI. This file may be sourced, so it
# neither sets shell options nor exits.
if ! command -v chronyd >/dev/null 2>&1 && [ ! -x /usr/sbin/chronyd ]; then
    (
        set -e
        apt-get update -qq
        # Installing the package must not start the system's chronyd, which would
        # adjust this machine's clock: policy-rc.d forbids service starts while
        # the package installs (Debian's documented mechanism).
        created_policy=0
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
            chmod +x /usr/sbin/policy-rc.d
            created_policy=1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chrony
        if [ "$created_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
    )
fi
