#!/usr/bin/env bash
# test_check_number.sh: the CLI contract of `mnsafe check-number`.
#   mnsafe check-number VALUE...   and   mnsafe check-number -  (one value a line on stdin)
# Output: exactly one line per value, VALUE<TAB>ok or VALUE<TAB>error: <reason>.
# The kind follows from the digit count (12 My Number, 13 Corporate Number).
# Exit 0 only when every value is ok; nonzero if any fails; usage error without args.
# No daemon needed.
. "$(dirname "$0")/lib.sh"

TAB=$'\t'
MN=$(valid_mynumber 12345678901)   # 123456789018
CN=7000012050002                    # a valid Corporate Number
# the same My Number with a wrong check digit
BAD_CD=${MN:0:11}$(( (${MN:11:1} + 1) % 10 ))

# run_cn ARGS...: runs check-number, sets OUT, ERR, RC
run_cn() {
  OUT=$("$MNSAFE" check-number "$@" 2>"$T_WORK/err"); RC=$?
  ERR=$(cat "$T_WORK/err")
}
# run_cn_stdin TEXT: runs `check-number -` with TEXT on stdin
run_cn_stdin() {
  OUT=$(printf '%s' "$1" | "$MNSAFE" check-number - 2>"$T_WORK/err"); RC=$?
  ERR=$(cat "$T_WORK/err")
}
nlines() { if [ -z "$1" ]; then echo 0; else printf '%s\n' "$1" | wc -l | tr -d ' '; fi; }
line() { printf '%s\n' "$1" | sed -n "${2}p"; }

# expect_ok_line DESC VALUE LINE: LINE is exactly VALUE<TAB>ok
expect_ok_line() { expect_eq "$1" "$2${TAB}ok" "$3"; }
# expect_err_line DESC VALUE REASON_NEEDLE LINE: VALUE<TAB>error: <reason containing NEEDLE>
expect_err_line() {
  case "$4" in
    "$2${TAB}error: "?*)
      local reason=${4#"$2${TAB}error: "}
      expect_contains "$1: reason" "$3" "$reason"
      expect_not_contains "$1: reason is one line without tabs" "$TAB" "$reason" ;;
    *) fail "$1 (line is not '$2<TAB>error: ...': '$4')" ;;
  esac
}

# ---- valid values, one at a time --------------------------------------------
for v in "$MN" "$CN" "１２３４５６７８９０１８" "1234-5678-9018" "1234－5678－9018" "1234ー5678ー9018" \
         "７０００－０１２０５－０００２" "7-000012-050002" "$(valid_mynumber 00000000000)"; do
  run_cn "$v"
  expect_eq "valid '$v': exit 0" 0 "$RC"
  expect_ok_line "valid '$v': line" "$v" "$OUT"
  expect_eq "valid '$v': nothing on stderr" "" "$ERR"
done

# ---- invalid values, one at a time: VALUE<TAB>error: <reason>, exit nonzero ----
check_invalid() { # VALUE NEEDLE
  run_cn "$1"
  check "invalid '$1': exit nonzero" [ "$RC" -ne 0 ]
  expect_eq "invalid '$1': one line" 1 "$(nlines "$OUT")"
  expect_err_line "invalid '$1'" "$1" "$2" "$OUT"
}
check_invalid "$BAD_CD" "check digit"                # My Number, wrong last digit
check_invalid "8000012050002" "check digit"          # Corporate Number, wrong first digit
check_invalid "１２３４５６７８９０１９" "check digit" # full-width, wrong check digit
check_invalid "12345678901a" "not a digit"           # a letter
check_invalid "ABCDEFGHIJKL" "not a digit"
check_invalid "12345678901" "got 11"                 # 11 digits
check_invalid "12345678901234" "got 14"              # 14 digits
check_invalid "1" "got 1"
check_invalid "1234--5678-9018" "hyphen"             # doubled hyphen
check_invalid "-123456789018" "hyphen"               # leading hyphen
check_invalid "123456789018-" "hyphen"               # trailing hyphen
check_invalid "一二三四五六七八九〇一八" "digit"       # kanji numerals are not accepted
run_cn ""
check "empty value: exit nonzero" [ "$RC" -ne 0 ]
expect_err_line "empty value" "" "empty" "$OUT"

# the reason never repeats the number itself
run_cn "$BAD_CD"
expect_not_contains "reason does not repeat the digits" "${BAD_CD}${BAD_CD}" "$OUT"
reason=${OUT#*"${TAB}"}
expect_not_contains "reason holds no 12-digit run of the input" "$BAD_CD" "$reason"

# ---- several values: one line each, in order, exit reflects all ---------------
run_cn "$MN" "$CN" "１２３４５６７８９０１８"
expect_eq "all ok: exit 0" 0 "$RC"
expect_eq "all ok: three lines" 3 "$(nlines "$OUT")"
expect_ok_line "all ok: line 1" "$MN" "$(line "$OUT" 1)"
expect_ok_line "all ok: line 2" "$CN" "$(line "$OUT" 2)"
expect_ok_line "all ok: line 3" "１２３４５６７８９０１８" "$(line "$OUT" 3)"

run_cn "$MN" "$BAD_CD" "$CN"
check "one bad of three: exit nonzero" [ "$RC" -ne 0 ]
expect_eq "one bad of three: three lines" 3 "$(nlines "$OUT")"
expect_ok_line "one bad of three: line 1 ok" "$MN" "$(line "$OUT" 1)"
expect_err_line "one bad of three: line 2" "$BAD_CD" "check digit" "$(line "$OUT" 2)"
expect_ok_line "one bad of three: line 3 ok (checking goes on)" "$CN" "$(line "$OUT" 3)"

run_cn "$BAD_CD" "$MN"
check "first bad, last ok: exit still nonzero" [ "$RC" -ne 0 ]

# ---- usage --------------------------------------------------------------------
run_cn
check "no arguments: exit nonzero" [ "$RC" -ne 0 ]
expect_eq "no arguments: usage exit code 2" 2 "$RC"
expect_eq "no arguments: nothing on stdout" "" "$OUT"
expect_contains "no arguments: usage on stderr" "usage" "$ERR"

# ---- stdin: `check-number -` ----------------------------------------------------
run_cn_stdin "$MN
$CN
１２３４－５６７８－９０１８
"
expect_eq "stdin all ok: exit 0" 0 "$RC"
expect_eq "stdin all ok: three lines" 3 "$(nlines "$OUT")"
expect_ok_line "stdin line 1" "$MN" "$(line "$OUT" 1)"
expect_ok_line "stdin line 2" "$CN" "$(line "$OUT" 2)"
expect_ok_line "stdin line 3 (full-width, hyphens)" "１２３４－５６７８－９０１８" "$(line "$OUT" 3)"

run_cn_stdin "$MN
$BAD_CD
12345678901x
123
$CN"   # last line without a newline
check "stdin with bad values: exit nonzero" [ "$RC" -ne 0 ]
expect_eq "stdin with bad values: five lines" 5 "$(nlines "$OUT")"
expect_ok_line "stdin mixed: line 1" "$MN" "$(line "$OUT" 1)"
expect_err_line "stdin mixed: line 2" "$BAD_CD" "check digit" "$(line "$OUT" 2)"
expect_err_line "stdin mixed: line 3" "12345678901x" "not a digit" "$(line "$OUT" 3)"
expect_err_line "stdin mixed: line 4" "123" "got 3" "$(line "$OUT" 4)"
expect_ok_line "stdin mixed: line 5 (no final newline)" "$CN" "$(line "$OUT" 5)"

# CRLF line ends (files from Windows) are not part of the value
run_cn_stdin "$MN"$'\r\n'"$CN"$'\r\n'
expect_eq "stdin CRLF: exit 0" 0 "$RC"
expect_eq "stdin CRLF: output has no CR" "$OUT" "$(printf '%s' "$OUT" | tr -d '\r')"
expect_ok_line "stdin CRLF: line 1" "$MN" "$(line "$OUT" 1)"

# an empty line is a value too, and not a valid one
run_cn_stdin "$MN

$CN
"
check "stdin empty line: exit nonzero" [ "$RC" -ne 0 ]
expect_eq "stdin empty line: three lines" 3 "$(nlines "$OUT")"
expect_err_line "stdin empty line: line 2" "" "empty" "$(line "$OUT" 2)"

# one value per line, however long the line: a 600-character line is ONE value
# and gives ONE output line (an error), not several
long=$(printf '1%.0s' $(seq 1 600))
run_cn_stdin "$long
$MN
"
check "stdin long line: exit nonzero" [ "$RC" -ne 0 ]
expect_eq "stdin long line: one output line per input line (2)" 2 "$(nlines "$OUT")"
case "$(line "$OUT" 1)" in
  *"${TAB}error: "*) ok "stdin long line: first line is an error" ;;
  *) fail "stdin long line: first line is an error (got '$(line "$OUT" 1 | cut -c1-80)...')" ;;
esac
expect_ok_line "stdin long line: the next value is still checked on its own line" "$MN" "$(line "$OUT" 2)"

# many values on stdin: line count and order preserved, exit 0
random_mynumbers 300 >"$T_WORK/many"
OUT=$("$MNSAFE" check-number - <"$T_WORK/many"); RC=$?
expect_eq "300 values on stdin: exit 0" 0 "$RC"
expect_eq "300 values on stdin: 300 lines" 300 "$(nlines "$OUT")"
expect_eq "300 values on stdin: VALUE column equals the input" "$(cat "$T_WORK/many")" "$(printf '%s\n' "$OUT" | cut -f1)"
expect_eq "300 values on stdin: all ok" 300 "$(printf '%s\n' "$OUT" | grep -c "${TAB}ok\$")"

# argument and stdin mixed
OUT=$(printf '%s\n' "$BAD_CD" | "$MNSAFE" check-number "$MN" - 2>/dev/null); RC=$?
check "argument plus stdin: exit nonzero (stdin value bad)" [ "$RC" -ne 0 ]
expect_eq "argument plus stdin: two lines" 2 "$(nlines "$OUT")"
expect_ok_line "argument plus stdin: argument first" "$MN" "$(line "$OUT" 1)"

finish
