#!/usr/bin/env bash
# Two-factor login end to end: enrolment over the API, codes from oathtool
# (an independent TOTP implementation), the CLI asking for the code, replay
# refused, a recovery code once.
. "$(dirname "$0")/lib.sh"

command -v oathtool >/dev/null || { fail "oathtool is not installed (scripts/install-deps installs it)"; finish; }
init_dev || exit 1
start_daemon --dev || exit 1
setup_tenant || exit 1
login clerk1 "$CLERK_PW"

ST=$(api POST /api/v1/users/me/totp '{}')
expect_eq "enrolment starts" 200 "$ST"
URI=$(json_get 'j["uri"]' <"$T_WORK/api.body")
expect_contains "otpauth URI" "otpauth://totp/mnsafe:clerk1?secret=" "$URI"
SECRET=$(printf '%s' "$URI" | sed -n 's/.*secret=\([A-Z2-7]*\).*/\1/p')
# the QR image decodes (zbarimg, an independent reader) to exactly the URI
json_get 'j["qr_svg"]' <"$T_WORK/api.body" >"$T_WORK/qr.svg"
rsvg-convert -w 400 -b white "$T_WORK/qr.svg" -o "$T_WORK/qr.png" && ok "the QR SVG renders" || fail "the QR SVG renders"
expect_eq "the QR code holds the URI" "$URI" "$(zbarimg -q --raw "$T_WORK/qr.png" 2>/dev/null)"
NOW=$(date +%s)
CODE=$(oathtool --totp -b -N "@$NOW" "$SECRET")
ST=$(api POST /api/v1/users/me/totp/confirm "{\"code\":\"$CODE\"}")
expect_eq "confirmed with oathtool's code" 200 "$ST"
RECOVERY=$(json_get 'j["recovery_codes"][0]' <"$T_WORK/api.body")
expect_eq "ten recovery codes" 10 "$(json_get 'len(j["recovery_codes"])' <"$T_WORK/api.body")"

OUT=$(printf '%s\n' "$CLERK_PW" | "$MNSAFE" login clerk1 2>&1); RC=$?
check "password alone no longer logs in" [ "$RC" -ne 0 ]
NEXT=$(oathtool --totp -b -N "@$((NOW + 30))" "$SECRET")
OUT=$(printf '%s\n%s\n' "$CLERK_PW" "$NEXT" | "$MNSAFE" login clerk1 2>&1); RC=$?
expect_eq "password and the next code log in" 0 "$RC"
check "the session works" "$MNSAFE" person list acme
OUT=$(printf '%s\n%s\n' "$CLERK_PW" "$NEXT" | "$MNSAFE" login clerk1 2>&1); RC=$?
check "the same code again is refused" [ "$RC" -ne 0 ]
expect_contains "refusal says why" "already used" "$OUT"
OUT=$(printf '%s\n%s\n' "$CLERK_PW" "$RECOVERY" | "$MNSAFE" login clerk1 2>&1); RC=$?
expect_eq "a recovery code logs in" 0 "$RC"
OUT=$(printf '%s\n%s\n' "$CLERK_PW" "$RECOVERY" | "$MNSAFE" login clerk1 2>&1); RC=$?
check "the recovery code does not work twice" [ "$RC" -ne 0 ]
finish
