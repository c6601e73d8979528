#!/bin/sh
# Writes the load balancers nginx trusts, TRUSTED_PROXIES (addresses or CIDR ranges, separated
# by spaces or commas; empty when nginx is the edge), into the two files nginx.conf includes.
# compose runs it before nginx starts.
set -eu
dir="${TRUSTED_PROXIES_DIR:-/etc/nginx/trusted-proxies}"
mkdir -p "$dir"
: >"$dir/realip.conf"
: >"$dir/geo.conf"
for proxy in $(printf '%s' "${TRUSTED_PROXIES:-}" | tr ',' ' '); do
    case "$proxy" in
        *[!0-9A-Fa-f.:/]*)
            echo "TRUSTED_PROXIES: '$proxy' is not an IP address or a CIDR range" >&2
            exit 1
            ;;
    esac
    echo "set_real_ip_from $proxy;" >>"$dir/realip.conf"
    echo "$proxy 1;" >>"$dir/geo.conf"
done
