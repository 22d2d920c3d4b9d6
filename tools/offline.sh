#!/usr/bin/env bash
# Run a command with the network cut: a new network namespace whose only interface is the
# loopback (Jupyter kernels talk over 127.0.0.1, so it must be up).
#
#   tools/offline.sh COMMAND [ARGS...]
#
# Needs root (`unshare -n`) or unprivileged user namespaces (`unshare -rn`), and `ip`.
# Where neither works, the command runs WITH the network after a loud warning - except when
# CI=true or OFFLINE=required, where that is an error: CI's offline proof must be real.
set -euo pipefail
if [ $# -eq 0 ]; then
    echo "usage: tools/offline.sh COMMAND [ARGS...]" >&2
    exit 2
fi

inner='ip link set lo up || exit 97
ifaces=$(ip -o link show | awk -F": " "{print \$2}" | tr "\n" " ")
if [ "$ifaces" != "lo " ]; then echo "offline.sh: interfaces besides lo: $ifaces" >&2; exit 98; fi
echo "offline.sh: network cut (namespace with loopback only); running: $*"
exec "$@"'

for flags in "-n" "-rn"; do
    if command -v unshare >/dev/null && command -v ip >/dev/null && unshare $flags ip link set lo up 2>/dev/null; then
        exec unshare $flags -- sh -c "$inner" offline "$@"
    fi
done

message="offline.sh: cannot cut the network here (needs root or user namespaces, 'unshare' and 'ip')"
case "${CI:-}${OFFLINE:-}" in
    *true*|*required*)
        echo "ERROR: $message; CI must prove the notebooks run offline." >&2
        exit 1 ;;
esac
{
    echo "################################################################################"
    echo "# WARNING: $message."
    echo "# Running WITH the network: this run does NOT prove that the notebooks work offline."
    echo "################################################################################"
} >&2
exec "$@"
