#!/usr/bin/env bash
# Records the small captures shipped in captures/ from real traffic on
# loopback: nginx on 127.0.0.1, curl as the client, tcpdump writing pcap.
# Usage: bash captures/record.sh   (as root; needs nginx, curl, tcpdump)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d /tmp/synack-record-XXXXXX)"
port=18080
closed_port=18081

mkdir -p "$work/www"
printf 'hello from synack\n' > "$work/www/index.html"
head -c 100000 /dev/zero | tr '\0' 'x' > "$work/www/big.txt"
chmod -R a+rX "$work"
cat > "$work/nginx.conf" <<CONF
daemon off;
pid $work/nginx.pid;
error_log $work/error.log;
worker_processes 1;
events { worker_connections 64; }
http {
  access_log off;
  keepalive_timeout 5;
  server {
    listen 127.0.0.1:$port;
    root $work/www;
    location /close { add_header Connection close; return 200 "bye\n"; }
  }
}
CONF

nginx -c "$work/nginx.conf" -p "$work" &
ngx=$!
cleanup() { kill "$ngx" 2>/dev/null || true; kill "${tcpd:-0}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done

record() { # name, then the commands to run while capturing
  local name=$1; shift
  tcpdump -i lo -U -s 0 -w "$here/$name" "tcp port $port or tcp port $closed_port" 2>/dev/null &
  tcpd=$!
  sleep 1
  "$@"
  sleep 1
  kill -INT "$tcpd"; wait "$tcpd" || true
  echo "recorded $name: $(tcpdump -r "$here/$name" 2>/dev/null | wc -l) packets"
}

traffic() {
  # Two requests on one kept-alive connection.
  curl -s -o /dev/null -o /dev/null "http://127.0.0.1:$port/index.html" "http://127.0.0.1:$port/big.txt"
  # A new connection per request (HTTP/1.0 without keep-alive).
  curl -s -0 -o /dev/null "http://127.0.0.1:$port/index.html"
  # A 404 on its own connection.
  curl -s -o /dev/null "http://127.0.0.1:$port/missing"
  # Refused: nothing listens on this port, the SYN is answered by RST.
  curl -s -o /dev/null "http://127.0.0.1:$closed_port/" || true
  # HEAD, and a POST with a body.
  curl -s -I -o /dev/null "http://127.0.0.1:$port/index.html"
  curl -s -o /dev/null -d 'name=synack&x=1' "http://127.0.0.1:$port/index.html" || true
  # Three pipelined requests written in one segment, then the client closes.
  node -e '
    const s = require("net").connect('"$port"', "127.0.0.1", () => {
      const r = (p) => "GET " + p + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
      s.write(r("/index.html") + r("/missing") + r("/index.html?again=1"));
    });
    let got = "";
    s.on("data", (d) => { got += d; if ((got.match(/HTTP\/1\.1 /g) || []).length >= 3) s.end(); });
    setTimeout(() => s.destroy(), 3000);
  '
}
record http-keepalive.pcap traffic
