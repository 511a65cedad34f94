#!/usr/bin/env bash
# A stand-in for scripts/runnel: formats by writing meta.properties, "serves" by listening on the listener port.
set -euo pipefail
case "$1 $2" in
  "storage random-uuid") echo "fake-cluster-id" ;;
  "storage format")
    dir="$(grep '^log.dirs=' "$6" | cut -d= -f2)"
    mkdir -p "$dir"
    echo "cluster.id=$4" > "$dir/meta.properties" ;;
  "server --config")
    if [[ -n "${FAKE_FAIL_ROLE:-}" ]] && grep -q "^process.roles=$FAKE_FAIL_ROLE\$" "$3"; then
      echo "fake runnel: unknown configuration key 'x' in $3" >&2
      exit 1
    fi
    port="$(grep '^listeners=' "$3" | sed 's/.*://')"
    exec python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
while True:
    c, _ = s.accept()
    c.close()
' "$port" ;;
  "topics list")
    # A broker answers once its port is open (a real one holds the request until it is ready).
    port="${4##*:}"
    exec python3 -c '
import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5).close()
' "$port" ;;
  *) echo "fake runnel: unexpected arguments: $*" >&2; exit 2 ;;
esac
