#!/usr/bin/env bash
# test_unseal.sh: a store sealed by Shamir shares (init --shares 5 --threshold 3).
# The daemon starts sealed and holds no keys; `mnsafe unseal` takes one share
# from stdin; mistyped, foreign, repeated and too few shares leave it sealed
# with a clear error; a forged share (valid checksum, wrong value) makes the
# combination fail and drops every share given; three right shares unseal;
# `mnsafe seal` (sysadmin only) seals again. On PostgreSQL (it.pg.test_unseal)
# the second store of the foreign-share case is a second schema.
. "$(dirname "$0")/lib.sh"

# ---- init: five shares, threshold three ----------------------------------------
OUT=$("$MNSAFE" init --shares 5 --threshold 3); RC=$?
expect_eq "init --shares 5 --threshold 3: exit 0" 0 "$RC"
ADMIN_PW=$(printf '%s\n' "$OUT" | sed -n 's/^One-time password: //p')
mapfile -t SH < <(printf '%s\n' "$OUT" | sed -n 's/^Share [0-9]*: \(mns1-.*\)$/\1/p')
expect_eq "init printed five shares" 5 "${#SH[@]}"
check "init printed the admin password" [ -n "$ADMIN_PW" ]
check "no dev key file for a shamir store" [ ! -e "$MNSAFE_DATA/dev-root.key" ]
for i in 0 1 2 3 4; do
  case "${SH[$i]:-}" in mns1-3-*) ok "share $((i + 1)) is mns1-3-..." ;; *) fail "share $((i + 1)) is mns1-3-... ('${SH[$i]:-}')" ;; esac
done
expect_eq "the five shares are distinct" 5 "$(printf '%s\n' "${SH[@]}" | sort -u | wc -l)"

# another store, another init: its shares belong to another set (on
# PostgreSQL the other store is a second schema, named by --store)
OTHER_STORE=()
if [ -n "$PG_SCHEMA" ]; then
  pg_schema_new other || fail "create the other store's schema"
  OTHER_STORE=(--store "$(pg_store_url "$PG_NEW_SCHEMA")")
fi
OTHER=$("$MNSAFE" --data "$T_WORK/other" "${OTHER_STORE[@]}" init --shares 5 --threshold 3)
mapfile -t OSH < <(printf '%s\n' "$OTHER" | sed -n 's/^Share [0-9]*: \(mns1-.*\)$/\1/p')
expect_eq "the other init printed five shares" 5 "${#OSH[@]}"

# status_field NAME: a field of `mnsafe status`
status_field() { "$MNSAFE" status | json_get "str(j['$1']).lower()"; }
# unseal SHARE: one share on stdin (not a tty); sets UOUT, UERR, URC
unseal() {
  UOUT=$(printf '%s\n' "$1" | "$MNSAFE" unseal 2>"$T_WORK/uerr"); URC=$?
  UERR=$(cat "$T_WORK/uerr")
}
# clerk_list: the clerk's person list; sets LRC, LERR
clerk_list() {
  local s=$MNSAFE_SESSION
  MNSAFE_SESSION=$T_WORK/clerk-session "$MNSAFE" person list acme >"$T_WORK/list.out" 2>"$T_WORK/list.err"; LRC=$?
  LERR=$(cat "$T_WORK/list.err")
}
# expect_sealed DESC [SHARES_GIVEN]
expect_sealed() {
  expect_eq "$1: status sealed" true "$(status_field sealed)"
  [ $# -ge 2 ] && expect_eq "$1: shares_given $2" "$2" "$(status_field shares_given)"
  clerk_list
  check "$1: the clerk's list is refused" [ "$LRC" -ne 0 ]
  expect_contains "$1: with 503 sealed" "503 sealed" "$LERR"
}

# ---- first start: sealed; three shares open it; set up a tenant with a person ----------
check "serve (no --dev)" start_daemon
expect_eq "starts sealed" true "$(status_field sealed)"
expect_eq "no share given yet" 0 "$(status_field shares_given)"
expect_eq "threshold 3" 3 "$(status_field threshold)"
expect_eq "seal mode shamir" shamir "$(status_field seal_mode)"
ADMIN_PW=$(activate admin "$ADMIN_PW")
check "admin can log in (and change the one-time password) while sealed" [ -n "$ADMIN_PW" ]
"$MNSAFE" tenant create acme "株式会社アクメ" >/dev/null 2>"$T_WORK/err"; RC=$?
check "tenant create while sealed: refused" [ "$RC" -ne 0 ]
expect_contains "tenant create while sealed: 503 sealed" "503 sealed" "$(cat "$T_WORK/err")"
ST=$(curl -s -o "$T_WORK/health" -w '%{http_code}' --cacert "$MNSAFE_DATA/tls/cert.pem" "https://127.0.0.1:$HTTPS_PORT/api/v1/health")
expect_eq "health over HTTPS while sealed: 200" 200 "$ST"
expect_eq "health says sealed" True "$(json_get 'j["sealed"]' <"$T_WORK/health")"
for i in 0 1 2; do unseal "${SH[$i]}"; done
expect_eq "three shares: unsealed" false "$(status_field sealed)"
check "setup_tenant" setup_tenant
MNSAFE_SESSION=$T_WORK/clerk-session login clerk1 "$CLERK_PW"
N=$(valid_mynumber 31415926535)
OUT=$(printf '%s\n' "$N" | MNSAFE_SESSION=$T_WORK/clerk-session "$MNSAFE" person add acme --name "山田 太郎" --purpose withholding_slip)
PID=$(printf '%s' "$OUT" | json_get 'j["created"][0]')
check "a person was added" [ -n "$PID" ]
clerk_list
expect_eq "unsealed: the clerk's list works" 0 "$LRC"

# ---- restart: sealed again, nothing is remembered -----------------------------------------
check "stop" stop_daemon
check "serve again" start_daemon
expect_sealed "after restart" 0
MNSAFE_SESSION=$T_WORK/clerk-session "$MNSAFE" person reveal acme "$PID" --purpose withholding_slip >"$T_WORK/rv" 2>"$T_WORK/err"; RC=$?
check "reveal while sealed: refused" [ "$RC" -ne 0 ]
expect_contains "reveal while sealed: 503" "503" "$(cat "$T_WORK/err")"
expect_eq "reveal while sealed: nothing on stdout" "" "$(cat "$T_WORK/rv")"
printf '%s\n' "$N" | MNSAFE_SESSION=$T_WORK/clerk-session "$MNSAFE" person find acme >/dev/null 2>"$T_WORK/err"; RC=$?
check "find while sealed: refused" [ "$RC" -ne 0 ]
expect_contains "find while sealed: 503" "503" "$(cat "$T_WORK/err")"

# ---- a share with one character changed: checksum error ---------------------------------------
# flip the character at position P (in the y field) to another hex digit
flip_char() { python3 -c '
import sys
s, p = sys.argv[1], int(sys.argv[2])
c = s[p]
print(s[:p] + ("0" if c != "0" else "1") + s[p+1:])' "$1" "$2"; }
TYPO=$(flip_char "${SH[3]}" 40)
check "the typo share differs in one character" [ "$TYPO" != "${SH[3]}" ]
unseal "$TYPO"
check "typo share: exit nonzero" [ "$URC" -ne 0 ]
expect_contains "typo share: checksum error" "checksum" "$UERR"
expect_contains "typo share: 400 bad_share" "400 bad_share" "$UERR"
expect_sealed "after a typo share" 0
# a typo after a good share: the good one is kept, the typo is not
unseal "${SH[3]}"
expect_eq "one good share: exit 0" 0 "$URC"
expect_contains "one good share: says 1 of 3" "1 of 3" "$UOUT"
unseal "$(flip_char "${SH[4]}" 20)"
check "typo in a second share: refused" [ "$URC" -ne 0 ]
expect_contains "typo in a second share: checksum error" "checksum" "$UERR"
expect_sealed "after a good share and a typo" 1
# a share cut short and a share with a character added
unseal "${SH[4]:0:40}"
check "a share cut short: refused" [ "$URC" -ne 0 ]
unseal "${SH[4]}0"
check "a share with a character added: refused" [ "$URC" -ne 0 ]
unseal "not a share"
check "garbage: refused" [ "$URC" -ne 0 ]
expect_sealed "after malformed shares" 1

# ---- a share from another store ---------------------------------------------------------------
unseal "${OSH[1]}"
check "foreign share: exit nonzero" [ "$URC" -ne 0 ]
expect_contains "foreign share: says another store" "another store" "$UERR"
expect_sealed "after a foreign share" 1

# ---- the same share twice ---------------------------------------------------------------------
unseal "${SH[3]}"
check "the same share twice: exit nonzero" [ "$URC" -ne 0 ]
expect_contains "the same share twice: says already given" "already given" "$UERR"
expect_sealed "after a repeated share" 1
# the same share in another spelling (upper case) is still the same share
unseal "$(printf '%s' "${SH[3]}" | tr 'a-z' 'A-Z')"
check "the same share upper-cased: refused" [ "$URC" -ne 0 ]
expect_contains "the same share upper-cased: already given" "already given" "$UERR"

# ---- too few: two of three --------------------------------------------------------------------
unseal "${SH[0]}"
expect_eq "second share: exit 0" 0 "$URC"
expect_contains "second share: says 2 of 3" "2 of 3" "$UOUT"
expect_sealed "two of three shares" 2

# ---- a forged share: valid checksum, wrong y ----------------------------------------------------
# checksum = first 4 bytes of SHA-256 over the lower-case text before the last hyphen
with_checksum() { python3 -c '
import hashlib, sys
body = sys.argv[1].lower()
print(body + "-" + hashlib.sha256(body.encode()).hexdigest()[:8])' "$1"; }
expect_eq "control: the checksum recomputed for a real share equals its own" "${SH[2]}" "$(with_checksum "${SH[2]%-*}")"
BODY=${SH[2]%-*}                                           # mns1-3-<set>-<x>-<y>
FORGED_Y=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
FORGED=$(with_checksum "${BODY%-*}-$FORGED_Y")             # share 3's x, a wrong y
check "the forged share differs from share 3" [ "$FORGED" != "${SH[2]}" ]
unseal "$FORGED"
check "forged share as the third: exit nonzero" [ "$URC" -ne 0 ]
expect_not_contains "forged share: not a checksum error (the checksum is valid)" "checksum" "$UERR"
expect_contains "forged share: the shares do not open this store" "do not open this store" "$UERR"
expect_sealed "after a forged third share (all shares dropped)" 0
# the forged share alone is taken (it looks right), and spoils the next combination too
unseal "$FORGED"
expect_eq "forged share given first: accepted for now" 0 "$URC"
unseal "${SH[0]}"
unseal "${SH[1]}"
check "forged + two good shares: refused" [ "$URC" -ne 0 ]
expect_contains "forged + two good shares: do not open this store" "do not open this store" "$UERR"
expect_sealed "after forged + two good shares" 0
# a threshold edited with a recomputed checksum
K2=$(with_checksum "mns1-2-${BODY#mns1-3-}")
unseal "$K2"
check "share with another threshold: refused" [ "$URC" -ne 0 ]
expect_sealed "after a share with another threshold" 0

# ---- three right shares (another subset, in other spellings) ---------------------------------------
unseal "${SH[4]}"
expect_contains "share 5: 1 of 3" "1 of 3" "$UOUT"
unseal "$(printf '%s' "${SH[1]}" | tr 'a-z' 'A-Z' | sed 's/-/ - /g')"     # upper case, spaces
expect_eq "share 2 upper-cased with spaces: accepted" 0 "$URC"
expect_sealed "two right shares" 2
FW=$(python3 -c 'import sys; print("".join(chr(ord(c) + 0xFEE0) if c.isalnum() else ("ー" if c == "-" else c) for c in sys.argv[1]))' "${SH[3]}")
# full-width, as a Japanese input method types it: 276 bytes of UTF-8
unseal "$FW"
expect_eq "share 4 typed full-width (IME) through the CLI: accepted" 0 "$URC"
expect_not_contains "share 4 typed full-width through the CLI: not 'no share given'" "no share given" "$UERR"
expect_contains "third share through the CLI: says unsealed" "Unsealed" "$UOUT"
if [ "$(status_field sealed)" = true ]; then
  # the same text straight to the API: the daemon itself accepts it
  ST=$(api POST /api/v1/sys/unseal "$(python3 -c 'import json,sys; print(json.dumps({"share": sys.argv[1]}))' "$FW")")
  expect_eq "share 4 typed full-width through the API: accepted" 200 "$ST"
fi
expect_eq "status: unsealed" false "$(status_field sealed)"
check "login works" login admin "$ADMIN_PW"
clerk_list
expect_eq "unsealed: the clerk's list works" 0 "$LRC"
OUT=$(MNSAFE_SESSION=$T_WORK/clerk-session "$MNSAFE" person reveal acme "$PID" --purpose withholding_slip)
expect_eq "unsealed: reveal gives the number stored before the restart (the right key)" "$N" "$(printf '%s' "$OUT" | json_get 'j["mynumber"]' 2>/dev/null)"
unseal "${SH[0]}"
check "unseal when unsealed: refused" [ "$URC" -ne 0 ]
expect_contains "unseal when unsealed: 409" "409" "$UERR"
expect_eq "still unsealed" false "$(status_field sealed)"

# ---- seal ------------------------------------------------------------------------------------------
MNSAFE_SESSION=$T_WORK/clerk-session "$MNSAFE" seal >/dev/null 2>"$T_WORK/err"; RC=$?
check "a clerk may not seal" [ "$RC" -ne 0 ]
expect_contains "a clerk may not seal: 403" "403" "$(cat "$T_WORK/err")"
expect_eq "after a clerk's seal: still unsealed" false "$(status_field sealed)"
"$MNSAFE" seal >/dev/null; RC=$?
expect_eq "admin seals: exit 0" 0 "$RC"
expect_sealed "after admin's seal" 0
# unseal again, then seal again
for i in 2 0 4; do unseal "${SH[$i]}"; done
expect_eq "unsealed again" false "$(status_field sealed)"
clerk_list
expect_eq "unsealed again: the clerk's list works" 0 "$LRC"
"$MNSAFE" seal >/dev/null
expect_sealed "sealed again" 0

# ---- the audit: unseal attempts are recorded; no share is written anywhere ----------------------------
login auditor1 "$AUDITOR_PW"
check "audit list while sealed" audit_dump "$T_WORK/audit.json"
check "audit: refused shares recorded" audit_has "$T_WORK/audit.json" action=vault.unseal result=error:bad_share
check "audit: the unseal recorded" audit_has "$T_WORK/audit.json" action=vault.unseal result=ok
check "audit: the seal recorded" audit_has "$T_WORK/audit.json" action=vault.seal actor=admin result=ok
check "audit: the clerk's seal denied" audit_has "$T_WORK/audit.json" action=vault.seal actor=clerk1 result='denied*'
check "stop" stop_daemon
# the store itself: on SQLite the database is in the data directory; on
# PostgreSQL a dump of the test's schema (bytea as hex, so a share's value
# stored as bytes would show as its hex text too)
if [ -n "$PG_SCHEMA" ]; then
  pg_dump --no-owner -n "$PG_SCHEMA" "$PG_ADMIN_URL" >"$T_WORK/store.sql" 2>"$T_WORK/err"
  expect_eq "pg_dump of the store: exit 0" 0 "$?"
  expect_contains "control: the dump holds the store (the tenant's name)" "株式会社アクメ" "$(cat "$T_WORK/store.sql")"
fi
for s in "${SH[@]}" "$FORGED"; do
  y=${s%-*}; y=${y##*-}
  check_fails "share value not in the daemon log" grep -qi -F "$y" "$DAEMON_LOG"
  check_fails "share value not in the data dir" grep -rqi -a -F "$y" "$MNSAFE_DATA"
  [ -z "$PG_SCHEMA" ] || check_fails "share value not in the store (PostgreSQL schema)" grep -qi -a -F "$y" "$T_WORK/store.sql"
done

finish
