# ieee-data: the IEEE OUI registry (/usr/share/ieee-data/oui.txt) that
# `net-basics mac` reads to name a MAC address's vendor (chapter 3,
# tests/ch03_net_basics.rs: mac_vendor_from_the_systems_ieee_registry). Data only,
# no service. Idempotent; runs as root in CI. This file may be sourced, so it
# neither sets shell options nor exits.
if [ ! -f /usr/share/ieee-data/oui.txt ]; then
    (
        set -e
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ieee-data
    )
fi
