#!/usr/bin/env bash
# Hostile input against the OpenAPI document: schemathesis (pip install schemathesis) generates
# requests for every operation, with a declarant token, an officer token and a treasury token,
# and runs every check it has (status codes, content types, headers and schemas as documented,
# no 5xx, invalid data refused, valid data accepted, authentication not ignored, …).
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
treasury=$("$tamga" token create --role treasury --state RU --db "$db" 2>/dev/null)
"$tamga" serve --db "$db" --listen "127.0.0.1:$port" --today 2021-03-15 2>"$tmp/serve.log" &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
status=0
for token in "$declarant" "$officer" "$treasury"; do
  schemathesis --config-file "$(dirname "$0")/schemathesis.toml" run \
    "http://127.0.0.1:$port/api/v1/openapi.json" -H "Authorization: Bearer $token" \
    --checks all --max-time "$seconds" -w 1 --generation-allow-x00 true || status=1
done
exit $status
