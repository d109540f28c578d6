#!/usr/bin/env bash
# A full disk: while the database cannot be written, adds, reveals and logins
# fail with a clear error and change nothing; once space is back everything
# works again, nothing stored before is lost, and the audit chain verifies.
# The disk is made "full" by an LD_PRELOAD shim (shim/enospc.c) that fails
# writes to mnsafe.db* with ENOSPC while a flag file exists.
. "$(dirname "$0")/lib.sh"

SHIM="$T_WORK/enospc.so"
# the shim is built without the sanitizers (it must load before them, and an
# ASan daemon is started with the ASan runtime first in LD_PRELOAD)
cc -Wall -Werror -shared -fPIC -O1 -o "$SHIM" "$(dirname "$0")/shim/enospc.c" -ldl || { fail "build the shim"; finish; }
export MNS_ENOSPC_FLAG="$T_WORK/disk-full"
ASAN_RT=$(ldd "$MNSAFE" | awk '/libasan|libclang_rt.asan/ {print $3; exit}')
export LD_PRELOAD="${ASAN_RT:+$ASAN_RT:}$SHIM"

init_dev || exit 1
start_daemon --dev || exit 1
setup_tenant || exit 1
login clerk1 "$CLERK_PW"
random_mynumbers 6 >"$T_WORK/numbers"
N1=$(sed -n 1p "$T_WORK/numbers"); N2=$(sed -n 2p "$T_WORK/numbers")
printf '%s\n' "$N1" | "$MNSAFE" person add acme --name "前 太郎" --purpose withholding_slip >/dev/null
ID1=$("$MNSAFE" person list acme | json_get 'j["persons"][0]["id"]')

touch "$MNS_ENOSPC_FLAG"
OUT=$(printf '%s\n' "$N2" | "$MNSAFE" person add acme --name "満杯 次郎" --purpose withholding_slip 2>&1); RC=$?
check "add on a full disk fails" [ "$RC" -ne 0 ]
expect_contains "add on a full disk: says the disk is full" "disk" "$OUT"
expect_contains "add on a full disk: says it in Japanese too" "ディスク" "$OUT"
OUT=$("$MNSAFE" person reveal acme "$ID1" --purpose withholding_slip 2>&1); RC=$?
check "reveal on a full disk is refused (its audit entry cannot be written)" [ "$RC" -ne 0 ]
expect_not_contains "reveal on a full disk shows no number" "$N1" "$OUT"
rm -f "$MNS_ENOSPC_FLAG"

expect_eq "after space is back: only the first person is stored" 1 \
  "$("$MNSAFE" person list acme | json_get 'len(j["persons"])')"
OUT=$("$MNSAFE" person reveal acme "$ID1" --purpose withholding_slip)
expect_contains "after space is back: the first number is intact" "$N1" "$OUT"
check "after space is back: adding works again" \
  sh -c "printf '%s\n' '$N2' | '$MNSAFE' person add acme --name '満杯 次郎' --purpose withholding_slip >/dev/null"
expect_eq "two persons now" 2 "$("$MNSAFE" person list acme | json_get 'len(j["persons"])')"
unset LD_PRELOAD
stop_daemon
OUT=$("$MNSAFE" audit verify); RC=$?
expect_eq "audit chain intact after the full disk" 0 "$RC"
finish
