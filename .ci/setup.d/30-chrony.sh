#!/usr/bin/env bash
# chrony: a real NTP implementation for the time-sync interop tests (chapter 4).
# The tests run `chronyd -x` (never touches the clock) on an unprivileged loopback
# port and `chronyd -Q` (query once, never set the clock). Idempotent; runs as root.
set -euo pipefail
if ! command -v chronyd >/dev/null 2>&1 && [ ! -x /usr/sbin/chronyd ]; then
    apt-get update -qq
    # Installing the package must not start a daemon that would adjust this
    # machine's clock: policy-rc.d forbids service starts during the install.
    policy_created=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        policy_created=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chrony
    if [ "$policy_created" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
