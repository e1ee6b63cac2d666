#!/usr/bin/env bash
# Records the benchmark captures from real traffic on loopback: nginx on
# 127.0.0.1 and ApacheBench as the client, tcpdump writing pcap.
#   short.pcap      ~50,000 short HTTP/1.0 connections (ab without -k)
#   keepalive.pcap  ~100,000 requests on a few kept-alive connections (ab -k)
# Usage: bash test/bench/record.sh CACHE_DIR   (as root)
set -euo pipefail
out="${1:?cache dir}"
mkdir -p "$out"
work="$(mktemp -d /tmp/synack-bench-rec-XXXXXX)"
port=18090
mkdir -p "$work/www"
# ~3 kB page: with headers and the TCP exchange, about 10 packets and
# 3.9 kB of capture per short connection.
head -c 3000 /dev/zero | tr '\0' 'a' > "$work/www/page.html"
printf 'ok\n' > "$work/www/small.txt"
chmod -R a+rX "$work"
cat > "$work/nginx.conf" <<CONF
daemon off;
pid $work/nginx.pid;
error_log $work/error.log;
worker_processes 1;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000;
  keepalive_timeout 30;
  server { listen 127.0.0.1:$port backlog=4096; root $work/www; }
}
CONF
nginx -c "$work/nginx.conf" -p "$work" &
ngx=$!
tcpd=0
cleanup() { kill "$ngx" 2>/dev/null || true; [ "$tcpd" -gt 0 ] && kill "$tcpd" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/small.txt" && break; sleep 0.1; done

record() { # file, ab arguments...
  local file=$1; shift
  tcpdump -i lo -s 0 -B 262144 -w "$out/$file.tmp" "tcp port $port" 2>"$work/tcpdump.err" &
  tcpd=$!
  sleep 1
  ab -q "$@" >/dev/null 2>&1 || true
  sleep 1
  kill -INT "$tcpd"; wait "$tcpd" || true; tcpd=0
  grep -E 'captured|dropped' "$work/tcpdump.err" | tr '\n' ' '; echo
  mv "$out/$file.tmp" "$out/$file"
}
record short.pcap -n 50000 -c 8 "http://127.0.0.1:$port/page.html"
record keepalive.pcap -k -n 100000 -c 4 "http://127.0.0.1:$port/small.txt"
ls -la "$out"
