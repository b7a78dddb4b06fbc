#!/usr/bin/env bash
# Browser tests drive Debian's Chromium, and the production-layout test
# (tests/e2e/test_web_failover.py) puts Debian's nginx in front of the portal: install
# whichever is missing (CI runs as root).
set -eu
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} = 0 ]; then exit 0; fi
sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
$sudo_ apt-get update -qq
$sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
