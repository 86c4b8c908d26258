#!/usr/bin/env bash
# Measures Sealcast and a reference nginx-rtmp side by side on loopback, with `sealcast bench`.
#
# The reference is Debian's nginx with libnginx-mod-rtmp for RTMP and nginx's stream module
# terminating TLS in front of it for RTMPS, the usual way to get RTMPS from nginx-rtmp. Both
# servers use the same ECDSA P-256 certificate, the same 4096-byte chunk size and the same
# media file, made here with ffmpeg. For every round, every player count and both schemes,
# nginx runs first and Sealcast second, each as a fresh process, so that both see the same
# machine conditions.
#
# usage: Benchmarks/run.sh            (about 17 minutes with the defaults)
#   env: ROUNDS=2 PLAYERS=50,200,1000 DURATION=20 OUT=/tmp/sealcast-bench
#        SKIP_BUILD=1 (use the existing release build)  TESTS="fanout startup handshakes"
#        SEALCAST_RTMP=29350 SEALCAST_RTMPS=29351 NGINX_RTMP=29360 NGINX_RTMPS=29361 (ports)
#
# Results: $OUT/results.jsonl (one JSON object per run) and $OUT/report.md (tables).
# Every process the script starts is stopped by its PID on exit; nothing leaves 127.0.0.1.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-2}
PLAYERS=${PLAYERS:-50,200,1000}
DURATION=${DURATION:-20}
TESTS=${TESTS:-fanout startup handshakes}
OUT=${OUT:-/tmp/sealcast-bench}
SEALCAST_RTMP=${SEALCAST_RTMP:-29350}
SEALCAST_RTMPS=${SEALCAST_RTMPS:-29351}
NGINX_RTMP=${NGINX_RTMP:-29360}
NGINX_RTMPS=${NGINX_RTMPS:-29361}
KEY=bench-publish-key-0123456789

SEALCAST="$ROOT/.build/release/sealcast"
RESULTS="$OUT/results.jsonl"
mkdir -p "$OUT"

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

install_missing() {
  local missing=()
  command -v nginx >/dev/null || missing+=(nginx)
  [ -e /usr/lib/nginx/modules/ngx_rtmp_module.so ] || missing+=(libnginx-mod-rtmp)
  [ -e /usr/lib/nginx/modules/ngx_stream_module.so ] || missing+=(libnginx-mod-stream)
  command -v ffmpeg >/dev/null || missing+=(ffmpeg)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v python3 >/dev/null || missing+=(python3)
  [ ${#missing[@]} -eq 0 ] && return
  if [ "$(id -u)" != 0 ]; then
    echo "missing packages; run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null; apt-get install -y -qq "${missing[@]}" >/dev/null; }
}

make_media() {
  MEDIA="$OUT/media-720p30.flv"
  [ -s "$MEDIA" ] && return
  log "making a 30 s 720p30 H.264 + AAC file (about 3.1 Mbit/s)"
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i "testsrc2=size=1280x720:rate=30" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 30 \
    -c:v libx264 -preset veryfast -profile:v high -pix_fmt yuv420p \
    -b:v 3000k -maxrate 3000k -bufsize 3000k -g 60 -keyint_min 60 -sc_threshold 0 -bf 2 \
    -c:a aac -b:a 128k -ac 2 -ar 48000 -f flv "$MEDIA"
}

make_certificate() {
  CERT="$OUT/certificate.pem"
  CERT_KEY="$OUT/private-key.pem"
  [ -s "$CERT" ] && return
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -keyout "$CERT_KEY" -out "$CERT" -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
}

write_nginx_config() {
  mkdir -p "$OUT/nginx/logs"
  local user_line=""
  [ "$(id -u)" = 0 ] && user_line="user root;"
  cat >"$OUT/nginx/nginx.conf" <<EOF
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
$user_line
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 16384;
pid $OUT/nginx/nginx.pid;
error_log $OUT/nginx/logs/error.log warn;
events { worker_connections 8192; }
rtmp {
  server {
    listen 127.0.0.1:$NGINX_RTMP;
    chunk_size 4096;
    application live { live on; record off; }
  }
}
stream {
  server {
    listen 127.0.0.1:$NGINX_RTMPS ssl;
    ssl_certificate $CERT;
    ssl_certificate_key $CERT_KEY;
    ssl_protocols TLSv1.2 TLSv1.3;
    proxy_pass 127.0.0.1:$NGINX_RTMP;
  }
}
EOF
}

write_sealcast_config() {
  cat >"$OUT/sealcast.json5" <<EOF
{
  rtmp: "127.0.0.1:$SEALCAST_RTMP",
  rtmps: "127.0.0.1:$SEALCAST_RTMPS",
  certificateFile: "$CERT",
  privateKeyFile: "$CERT_KEY",
  logLevel: "warning",
  limits: { maximumConnections: 20000, maximumConnectionsPerAddress: 20000 },
  applications: [{ name: "live", streamKeys: [{ stream: "show", key: "$KEY" }] }],
}
EOF
}

SERVER_PID=""

stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
trap stop_server EXIT INT TERM

wait_for_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on 127.0.0.1:$1" >&2
  exit 1
}

# Starts one server as a fresh process: `nginx` or `sealcast`.
start_server() {
  stop_server
  ulimit -n 65536 2>/dev/null || true
  case $1 in
    nginx)
      nginx -p "$OUT/nginx" -c "$OUT/nginx/nginx.conf" &
      SERVER_PID=$!
      wait_for_port "$NGINX_RTMP"; wait_for_port "$NGINX_RTMPS" ;;
    sealcast)
      "$SEALCAST" serve --config "$OUT/sealcast.json5" --data-dir "$OUT/sealcast-data" 2>>"$OUT/sealcast.log" &
      SERVER_PID=$!
      wait_for_port "$SEALCAST_RTMP"; wait_for_port "$SEALCAST_RTMPS" ;;
  esac
  sleep 0.5
}

# Prints the bench arguments that address one server over one scheme.
target_arguments() {
  local server=$1 scheme=$2 port
  case $server/$scheme in
    nginx/rtmp) port=$NGINX_RTMP ;;
    nginx/rtmps) port=$NGINX_RTMPS ;;
    sealcast/rtmp) port=$SEALCAST_RTMP ;;
    sealcast/rtmps) port=$SEALCAST_RTMPS ;;
  esac
  echo "--url $scheme://127.0.0.1:$port/live/show --server pid:$SERVER_PID --label $server-$scheme"
  [ "$server" = sealcast ] && echo "--publish-key $KEY"
  return 0
}

bench() {
  log "sealcast bench $*"
  # shellcheck disable=SC2046
  "$SEALCAST" bench "$@" --json-out "$RESULTS" | grep -v '^JSON ' || log "bench run failed: $*"
}

main() {
  install_missing
  if [ -z "${SKIP_BUILD:-}" ]; then
    log "building the release binary"
    (cd "$ROOT" && swift build -c release --product sealcast >/dev/null)
  fi
  make_media
  make_certificate
  write_nginx_config
  write_sealcast_config
  log "results go to $RESULTS"
  echo "{\"test\":\"run\",\"started\":\"$(date -u +%FT%TZ)\",\"rounds\":$ROUNDS,\"players\":\"$PLAYERS\",\"duration\":$DURATION,\"kernel\":\"$(uname -r)\",\"cpus\":$(nproc)}" >>"$RESULTS"

  local round count scheme server
  for round in $(seq "$ROUNDS"); do
    if [[ " $TESTS " == *" fanout "* ]]; then
      for count in ${PLAYERS//,/ }; do
        for scheme in rtmps rtmp; do
          for server in nginx sealcast; do
            start_server $server
            # shellcheck disable=SC2046
            bench fanout $(target_arguments $server $scheme) --players "$count" \
              --file "$MEDIA" --duration "$DURATION" --loops 2
          done
        done
      done
    fi
    if [[ " $TESTS " == *" startup "* ]]; then
      for scheme in rtmps rtmp; do
        for server in nginx sealcast; do
          start_server $server
          # shellcheck disable=SC2046
          bench startup $(target_arguments $server $scheme) --file "$MEDIA" --count 20
        done
      done
    fi
    if [[ " $TESTS " == *" handshakes "* ]]; then
      for scheme in rtmps rtmp; do
        for server in nginx sealcast; do
          start_server $server
          # shellcheck disable=SC2046
          bench handshakes $(target_arguments $server $scheme) --duration 10 --concurrency 8
        done
      done
    fi
  done
  stop_server
  python3 "$ROOT/Benchmarks/report.py" "$RESULTS" | tee "$OUT/report.md"
}

main "$@"
