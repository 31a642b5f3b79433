#!/usr/bin/env bash
# Hostile input against the OpenAPI document: schemathesis (pip install schemathesis) generates
# requests for every operation, with a declarant token and then an officer token, and checks that
# no answer is a 5xx and every answer has the documented content type.
#
#   scripts/schemathesis.sh [SECONDS_PER_TOKEN]
set -euo pipefail
seconds=${1:-100}
tamga=${TAMGA:-./target/release/tamga}
[ -x "$tamga" ] || { echo "build first: cargo build --release" >&2; exit 2; }
command -v schemathesis >/dev/null || { echo "pip install schemathesis" >&2; exit 2; }
tmp=$(mktemp -d)
port=$((30000 + RANDOM % 20000))
db="sqlite://$tmp/st.db"
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
"$tamga" db migrate --db "$db" >/dev/null
declarant=$("$tamga" token create --role declarant --tin 7701234567 --db "$db" 2>/dev/null)
officer=$("$tamga" token create --role officer --state RU --db "$db" 2>/dev/null)
"$tamga" serve --db "$db" --listen "127.0.0.1:$port" --today 2021-03-15 2>"$tmp/serve.log" &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
for token in "$declarant" "$officer"; do
  schemathesis run "http://127.0.0.1:$port/api/v1/openapi.json" -H "Authorization: Bearer $token" \
    --checks not_a_server_error,content_type_conformance --max-time "$seconds" -w 2
done
