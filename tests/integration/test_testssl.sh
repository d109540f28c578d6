#!/usr/bin/env bash
# test_testssl.sh: testssl.sh (Debian package) against the daemon's HTTPS
# port finds no weak protocol or cipher (check sheet F-d minimum 1): no
# finding rated LOW or worse, SSLv2/3 and TLS 1.0/1.1 not offered, no NULL,
# anonymous, export, low, 3DES or average (non-forward-secret) cipher, TLS 1.3
# and forward secrecy offered. A positive control runs the same check on an
# `openssl s_server` offering TLS 1.0 and a CBC cipher without forward
# secrecy, and must fail it.
. "$(dirname "$0")/lib.sh"

command -v testssl >/dev/null || { fail "testssl is not installed (scripts/install-deps installs testssl.sh)"; finish; }
# scan HOST:PORT JSON: testssl's protocols, cipher categories and forward secrecy
scan() { testssl --quiet --color 0 --warnings off --jsonfile "$2" -p -s -f "$1" >/dev/null 2>&1; }
# verdict JSON: "ok", or the findings that fail
verdict() {
  python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
bad = [f"{f['id']}: {f['finding']}" for f in d if f["severity"] in ("LOW", "MEDIUM", "HIGH", "CRITICAL")]
want = {"SSLv2": "not offered", "SSLv3": "not offered", "TLS1": "not offered", "TLS1_1": "not offered",
        "cipherlist_NULL": "not offered", "cipherlist_aNULL": "not offered", "cipherlist_EXPORT": "not offered",
        "cipherlist_LOW": "not offered", "cipherlist_3DES_IDEA": "not offered", "cipherlist_AVERAGE": "not offered",
        "TLS1_3": "offered", "PFS": "offered"}
seen = {f["id"]: f["finding"] for f in d}
for k, v in want.items():
    if not seen.get(k, "").startswith(v):
        bad.append(f"{k}: {seen.get(k, 'missing')} (want {v})")
print("ok" if not bad else "; ".join(sorted(set(bad))))
PY
}
check "init --dev" init_dev
check "serve --dev" start_daemon --dev
scan "127.0.0.1:$HTTPS_PORT" "$T_WORK/mnsafe.json"
expect_eq "testssl finds no weak protocol or cipher on mnsafe" ok "$(verdict "$T_WORK/mnsafe.json")"

# the positive control: a server that is weak on purpose
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T_WORK/weak.key" -out "$T_WORK/weak.crt" -days 1 \
  -subj /CN=localhost >/dev/null 2>&1
WP=$(free_port)
openssl s_server -quiet -www -accept "$WP" -cert "$T_WORK/weak.crt" -key "$T_WORK/weak.key" \
  -cipher 'AES128-SHA:@SECLEVEL=0' -no_tls1_3 >/dev/null 2>&1 &
SP=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$WP") 2>/dev/null && break; sleep 0.1; done
scan "127.0.0.1:$WP" "$T_WORK/weak.json"
kill "$SP" 2>/dev/null; wait "$SP" 2>/dev/null
V=$(verdict "$T_WORK/weak.json")
check "the same check fails a weak server" [ "$V" != ok ]
expect_contains "naming TLS 1.0" "TLS1: offered" "$V"
expect_contains "and the missing forward secrecy" "PFS" "$V"
finish
