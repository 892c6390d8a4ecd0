# chromium: Debian's browser, run headless by the chapter 2 test
# (tests/ch02_http.rs: a_real_browser_is_just_another_client, which fails without
# it under NETLAB_REQUIRE_PEERS=1): a real browser is the client of `tcp-demo
# http`; and by chapter 8's (tests/ch08_web.rs), where it joins `chat server
# --web` beside a terminal client, driven through its DevTools protocol. Idempotent; runs as root in CI. This file may be sourced, so it neither
# sets shell options nor exits (the work happens in a subshell).
if ! command -v chromium >/dev/null 2>&1; then
    (
        set -e
        export DEBIAN_FRONTEND=noninteractive
        # A fresh machine's package lists may be empty or stale.
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends chromium
    )
fi
