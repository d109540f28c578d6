#!/usr/bin/env bash
# Two-factor login end to end: enrolment over the API, codes from oathtool
# (an independent TOTP implementation), the CLI asking for the code, replay
# refused, a recovery code once; SHA-512 with 8 digits; a lost second factor
# and a forgotten password reset by the sysadmin.
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

# SHA-512 and 8 digits, checked by oathtool too
login officer1 "$OFFICER_PW"
ST=$(api POST /api/v1/users/me/totp '{"algorithm":"MD5"}')
expect_eq "an unknown algorithm: 400" 400 "$ST"
ST=$(api POST /api/v1/users/me/totp '{"algorithm":"SHA512","digits":7}')
expect_eq "7 digits: 400" 400 "$ST"
ST=$(api POST /api/v1/users/me/totp '{"algorithm":"SHA512","digits":8}')
expect_eq "SHA512 with 8 digits starts" 200 "$ST"
URI=$(json_get 'j["uri"]' <"$T_WORK/api.body")
expect_contains "the URI says SHA512" "algorithm=SHA512" "$URI"
expect_contains "the URI says 8 digits" "digits=8" "$URI"
SECRET512=$(printf '%s' "$URI" | sed -n 's/.*secret=\([A-Z2-7]*\).*/\1/p')
NOW=$(date +%s)
CODE=$(oathtool --totp=SHA512 -d 8 -b -N "@$NOW" "$SECRET512")
expect_eq "oathtool gives 8 digits" 8 "${#CODE}"
ST=$(api POST /api/v1/users/me/totp/confirm "{\"code\":\"$CODE\"}")
expect_eq "confirmed with oathtool's SHA512 code" 200 "$ST"
NEXT=$(oathtool --totp=SHA512 -d 8 -b -N "@$((NOW + 30))" "$SECRET512")
OUT=$(printf '%s\n%s\n' "$OFFICER_PW" "$NEXT" | "$MNSAFE" login officer1 2>&1); RC=$?
expect_eq "the officer logs in with the next 8-digit code" 0 "$RC"

# clerk1 lost the phone and the recovery codes; then forgot the password
login admin "$ADMIN_PW"
check_fails "nobody resets their own second factor this way" "$MNSAFE" user reset-mfa admin
check "the sysadmin resets clerk1's second factor" "$MNSAFE" user reset-mfa clerk1
OUT=$(printf '%s\n' "$CLERK_PW" | "$MNSAFE" login clerk1 2>&1); RC=$?
expect_eq "clerk1 logs in with the password alone again" 0 "$RC"
login admin "$ADMIN_PW"
NEWPW=$("$MNSAFE" user reset-password clerk1 | json_get 'j["one_time_password"]')
check "a new one-time password" [ "${#NEWPW}" -ge 12 ]
check_fails "the old password no longer works" login clerk1 "$CLERK_PW"
OUT=$(printf '%s\n' "$NEWPW" | "$MNSAFE" login clerk1 2>&1); RC=$?
expect_eq "the new one logs in" 0 "$RC"
expect_contains "and must be changed first" "one-time password" "$OUT"
check_fails "before the change nothing else is allowed" "$MNSAFE" person list acme
login auditor1 "$AUDITOR_PW"
audit_dump "$T_WORK/audit.json"
check "the MFA reset is audited" audit_has "$T_WORK/audit.json" actor=admin action=user.mfa_reset subject=user:clerk1 result=ok
check "the password reset is audited" audit_has "$T_WORK/audit.json" actor=admin action=user.password_reset subject=user:clerk1 result=ok
check "the refused self-reset is audited" audit_has "$T_WORK/audit.json" actor=admin action=user.mfa_reset "result=denied*"
finish
