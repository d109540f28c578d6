#!/usr/bin/env bash
# bench/csv_import.sh: issue 8's import benchmark. One CSV of N generated
# persons (default 1,000,000) is imported end to end three ways in this run:
#
#   floor     sqlite3 `.import` of the same CSV into a plaintext table with a
#             unique index on the number (WAL, synchronous=FULL)
#   pgcrypto  PostgreSQL 15 (a throwaway server started here): COPY, then
#             INSERT ... SELECT pgp_sym_encrypt(number) and an HMAC blind
#             index, what many would build instead. pgp_sym_encrypt is slow,
#             so it runs on BENCH_PG_PERSONS rows (default 20000) and its rate
#             is compared; the table says so.
#   mnsafe    `mnsafe import FILE --store` against `mnsafe serve` on SQLite:
#             upload in chunks, every row checked, sealed (own data key, AEAD,
#             blind index) and staged, then stored in one act; then the same
#             with the store on PostgreSQL (a throwaway server, TLS), shown
#             beside it (BENCH_CSV_POSTGRESQL=0 leaves it out).
#
# Printed: persons/s, wall time and peak RSS (the client's and the daemon's
# for mnsafe; the sqlite3 process for the floor) and the ratios against the
# targets (within 2x of the floor, >= 10x pgcrypto, RSS < 64 MiB). Missing a
# target is reported, not an error; a failed check (row counts) is.
#
#   bench/csv_import.sh [BUILD_DIR]     env: BENCH_CSV_PERSONS, BENCH_PG_PERSONS,
#                                       BENCH_CSV_PERF=FILE (perf record of the daemon's import),
#                                       BENCH_CSV_DEPENDENTS=0 (skip the run with dependents)
set -u -o pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-${MNS_BUILD_DIR:-$root/build}}
export MNSAFE="$build/src/mnsafe"
N=${BENCH_CSV_PERSONS:-1000000}
PGN=${BENCH_PG_PERSONS:-20000}
[ -x "$MNSAFE" ] || { echo "csv_import: $MNSAFE not built" >&2; exit 2; }
# the integration tests' helpers: temp dir, daemon start/stop, tenant and users
. "$root/tests/integration/lib.sh"
W=$T_WORK

echo "csv_import: generating $N persons..."
python3 - "$W/persons.csv" "$N" <<'PY'
import random, sys
random.seed(2026)
w = [6,5,4,3,2,7,6,5,4,3,2]
n = int(sys.argv[2]); seen = set()
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("従業員番号,氏名,フリガナ,生年月日,個人番号\n")
    i = 0
    while i < n:
        p = "%011d" % random.randrange(10**11)
        r = sum(int(d) * x for d, x in zip(p, w)) % 11
        num = p + str(0 if r <= 1 else 11 - r)
        if num in seen: continue
        seen.add(num)
        f.write(f"E{i:07d},社員 {i},シャイン {i},{1950 + i % 50}-{1 + i % 12:02d}-{1 + i % 28:02d},{num}\n")
        i += 1
PY
SIZE=$(stat -c %s "$W/persons.csv")
now() { date +%s.%N; }
rss_of_time() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }

# ---- floor: sqlite3 .import -------------------------------------------------------
tail -n +2 "$W/persons.csv" >"$W/rows.csv"
sqlite3 "$W/floor.db" "PRAGMA journal_mode=WAL;" "PRAGMA synchronous=FULL;" \
  "CREATE TABLE persons (employee_code TEXT, name TEXT, name_kana TEXT, birth_date TEXT, mynumber TEXT UNIQUE);" >/dev/null
t0=$(now)
/usr/bin/time -v -o "$W/floor.time" sqlite3 "$W/floor.db" "PRAGMA synchronous=FULL;" ".mode csv" ".import $W/rows.csv persons" >/dev/null
t1=$(now)
FLOOR_S=$(echo "$t1 - $t0" | bc -l); FLOOR_RSS=$(rss_of_time "$W/floor.time")
FLOOR_ROWS=$(sqlite3 "$W/floor.db" "SELECT count(*) FROM persons")

# ---- pgcrypto ----------------------------------------------------------------------
PG_S=""; PG_ROWS=0
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
if [ -n "$PGBIN" ]; then
  PGD=$W/pg; mkdir -p "$PGD"
  as_pg=(); [ "$(id -u)" -eq 0 ] && { chown postgres "$PGD" "$W"; chmod 755 "$W"; as_pg=(runuser -u postgres --); }
  PGPORT=$(free_port)
  "${as_pg[@]}" "$PGBIN/initdb" -D "$PGD/data" -A trust -U bench >/dev/null 2>&1 &&
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGD/data" -l "$PGD/log" -w \
      -o "-p $PGPORT -k $PGD -c listen_addresses='' -c fsync=on -c synchronous_commit=on" start >/dev/null 2>&1
  head -n "$PGN" "$W/rows.csv" >"$W/pg-rows.csv"; chmod 644 "$W/pg-rows.csv"
  psql_() { "${as_pg[@]}" psql -qAt -h "$PGD" -p "$PGPORT" -U bench -d postgres -v ON_ERROR_STOP=1 "$@"; }
  if psql_ -c "CREATE EXTENSION pgcrypto; CREATE TABLE staging (employee_code text, name text, name_kana text,
      birth_date text, mynumber text); CREATE TABLE persons (employee_code text, name text, name_kana text,
      birth_date date, number_ct bytea, number_bidx bytea UNIQUE);" >/dev/null 2>&1; then
    t0=$(now)
    psql_ -c "\\copy staging FROM '$W/pg-rows.csv' WITH (FORMAT csv)" \
          -c "INSERT INTO persons SELECT employee_code, name, name_kana, birth_date::date,
              pgp_sym_encrypt(mynumber, 'bench-key'), hmac(mynumber, 'bench-index-key', 'sha256') FROM staging" >/dev/null
    t1=$(now)
    PG_S=$(echo "$t1 - $t0" | bc -l)
    PG_ROWS=$(psql_ -c "SELECT count(*) FROM persons")
  fi
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGD/data" -m fast stop >/dev/null 2>&1
fi

# ---- mnsafe --------------------------------------------------------------------------
init_dev >/dev/null || exit 2
start_daemon --dev --no-https >/dev/null || exit 2
setup_tenant >/dev/null 2>&1 || exit 2
login clerk1 "$CLERK_PW"
PERF_PID=""
if [ -n "${BENCH_CSV_PERF:-}" ]; then
  # a profile of the daemon for the import only (docs/benchmarks.md, Profiling)
  perf record -q --call-graph dwarf -F 499 -p "$DAEMON_PID" -o "$BENCH_CSV_PERF" >/dev/null 2>&1 &
  PERF_PID=$!; sleep 1
fi
t0=$(now)
/usr/bin/time -v -o "$W/mnsafe.time" "$MNSAFE" import --tenant acme "$W/persons.csv" --purpose withholding_slip \
  --chunk 4194304 --store >"$W/mnsafe.out" 2>&1
RC=$?
t1=$(now)
[ -n "$PERF_PID" ] && { kill -INT "$PERF_PID"; wait "$PERF_PID" 2>/dev/null; }
MN_S=$(echo "$t1 - $t0" | bc -l); MN_CLIENT_RSS=$(rss_of_time "$W/mnsafe.time")
MN_SERVER_RSS=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$DAEMON_PID/status")
MN_ROWS=$(sqlite3 "file:$MNSAFE_DATA/mnsafe.db?mode=ro" "SELECT count(*) FROM persons")
stop_daemon >/dev/null

# import_in_new_daemon NAME CSV: a new data dir ($W/data-NAME), daemon, tenant and
# clerk, then `mnsafe import CSV --store` timed; sets IMPORT_RC and IMPORT_S and
# leaves the daemon running (its RSS and rows are read before stop_daemon)
import_in_new_daemon() {
  export MNSAFE_DATA="$W/data-$1" MNSAFE_SESSION="$W/session-$1"
  init_dev >/dev/null && start_daemon --dev --no-https >/dev/null && setup_tenant >/dev/null 2>&1 && login clerk1 "$CLERK_PW"
  local t0 t1
  t0=$(now)
  "$MNSAFE" import --tenant acme "$2" --purpose withholding_slip --chunk 4194304 --store >"$W/$1.out" 2>&1
  IMPORT_RC=$?
  t1=$(now)
  IMPORT_S=$(echo "$t1 - $t0" | bc -l)
}

# ---- mnsafe with dependents: N rows, each person followed by one dependent (a
# dependent row is checked against its person's other staged rows: this run
# shows that check stays linear) ------------------------------------------------------
DEP_S=0; DEP_ROWS=0; DEP_RC=0
if [ "${BENCH_CSV_DEPENDENTS:-1}" = 1 ]; then
  python3 - "$W/families.csv" "$N" <<'PY'
import random, sys
random.seed(2027)
w = [6,5,4,3,2,7,6,5,4,3,2]
n = int(sys.argv[2]) // 2; seen = set()
def num():
    while True:
        p = "%011d" % random.randrange(10**11)
        r = sum(int(d) * x for d, x in zip(p, w)) % 11
        x = p + str(0 if r <= 1 else 11 - r)
        if x not in seen:
            seen.add(x)
            return x
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("従業員番号,氏名,生年月日,個人番号,続柄\n")
    for i in range(n):
        f.write(f"E{i:07d},社員 {i},{1950 + i % 50}-{1 + i % 12:02d}-{1 + i % 28:02d},{num()},本人\n")
        f.write(f"E{i:07d},家族 {i},{1950 + i % 50}-{1 + i % 12:02d}-{1 + i % 28:02d},{num()},配偶者\n")
PY
  import_in_new_daemon families "$W/families.csv"
  DEP_RC=$IMPORT_RC DEP_S=$IMPORT_S
  DEP_ROWS=$(sqlite3 "file:$MNSAFE_DATA/mnsafe.db?mode=ro" "SELECT (SELECT count(*) FROM persons) + (SELECT count(*) FROM dependents)")
  stop_daemon >/dev/null
fi

# ---- mnsafe on PostgreSQL (issue 10: the same import, the store on a
# throwaway PostgreSQL server, TLS with verify-full as in the tests) --------------------
PGM_S=0; PGM_ROWS=0; PGM_RC=0; PGM_RSS=0
if [ "${BENCH_CSV_POSTGRESQL:-1}" = 1 ] && [ -n "$PGBIN" ]; then
  PGM_STATE="$W/pgm.state"
  if bash "$root/tests/pg/pg-server.sh" start "$PGM_STATE" >/dev/null; then
    PGM_ADMIN=$(sed -n 's/^URL=//p' "$PGM_STATE")
    psql -qAt "$PGM_ADMIN" -c "CREATE SCHEMA bench_csv" >/dev/null
    export MNSAFE_STORE="$(sed -n 's/^TLS_URL=//p' "$PGM_STATE")&options=-csearch_path%3Dbench_csv"
    import_in_new_daemon pg "$W/persons.csv"
    PGM_RC=$IMPORT_RC PGM_S=$IMPORT_S
    PGM_RSS=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$DAEMON_PID/status")
    PGM_ROWS=$(PGOPTIONS="-c search_path=bench_csv" psql -qAt "$PGM_ADMIN" -c "SELECT count(*) FROM persons")
    stop_daemon >/dev/null
    unset MNSAFE_STORE
    bash "$root/tests/pg/pg-server.sh" stop "$PGM_STATE" >/dev/null
  else
    PGM_RC=2
  fi
fi

# ---- the table --------------------------------------------------------------------------
python3 - "$N" "$SIZE" "$FLOOR_S" "$FLOOR_RSS" "$FLOOR_ROWS" "${PG_S:-0}" "$PG_ROWS" "$PGN" "$MN_S" "$MN_CLIENT_RSS" \
  "$MN_SERVER_RSS" "$MN_ROWS" "$RC" "$PGM_S" "$PGM_ROWS" "$PGM_RC" "${PGM_RSS:-0}" "$DEP_S" "${DEP_ROWS:-0}" "$DEP_RC" <<'PY'
import sys
n, size = int(sys.argv[1]), int(sys.argv[2])
fs, frss, frows = float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
ps, prows, pgn = float(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
ms, mcrss, msrss, mrows, rc = float(sys.argv[9]), int(sys.argv[10]), int(sys.argv[11] or 0), int(sys.argv[12]), int(sys.argv[13])
pms, pmrows, pmrc, pmrss = float(sys.argv[14]), int(sys.argv[15] or 0), int(sys.argv[16]), int(sys.argv[17] or 0)
ds, drows, drc = float(sys.argv[18]), int(sys.argv[19] or 0), int(sys.argv[20])
print(f"\nCSV import of {n} persons ({size / 2**20:.1f} MiB)")
print(f"{'':34} {'persons/s':>11} {'wall s':>8} {'peak RSS':>12}")
print(f"{'floor: sqlite3 .import, plaintext':34} {frows / fs:>11.0f} {fs:>8.2f} {frss / 1024:>9.1f} MiB")
if ps > 0:
    print(f"{'pgcrypto (on %d rows)' % pgn:34} {prows / ps:>11.0f} {ps:>8.2f} {'(server)':>12}")
else:
    print(f"{'pgcrypto':34} {'not run':>11}")
print(f"{'mnsafe import --store':34} {mrows / ms if rc == 0 else 0:>11.0f} {ms:>8.2f} {mcrss / 1024:>6.1f} MiB client, {msrss / 1024:.1f} MiB daemon")
if ds > 0:
    print(f"{'mnsafe, half of the rows dependents':34} {drows / ds if drc == 0 else 0:>11.0f} {ds:>8.2f}   (rows/s)")
if pms > 0:
    print(f"{'mnsafe import --store, PostgreSQL':34} {pmrows / pms if pmrc == 0 else 0:>11.0f} {pms:>8.2f} {'':>10} {pmrss / 1024:.1f} MiB daemon")
ratio_floor = (frows / fs) / (mrows / ms) if rc == 0 and mrows else float("inf")
ratio_pg = (mrows / ms) / (prows / ps) if ps > 0 and rc == 0 else 0
rss = max(mcrss, msrss) / 1024
print(f"\nmnsafe is {ratio_floor:.2f}x the floor's time (target <= 2x: {'met' if ratio_floor <= 2 else 'NOT met'}); "
      f"{ratio_pg:.1f}x pgcrypto's rate (target >= 10x: {'met' if ratio_pg >= 10 else 'NOT met'}); "
      f"peak RSS {rss:.1f} MiB (target < 64: {'met' if rss < 64 else 'NOT met'})")
ok = rc == 0 and mrows == n and frows == n and (ps == 0 or prows == pgn) and (pms == 0 or (pmrc == 0 and pmrows == n)) \
    and (ds == 0 or (drc == 0 and drows == n // 2 * 2))
print(f"RESULT mnsafe_per_s={mrows / ms if rc == 0 else 0:.0f} baseline_per_s={frows / fs:.0f} ratio={ratio_floor:.2f} "
      f"ratio_median={ratio_floor:.2f} target_met={'yes' if ratio_floor <= 2 and ratio_pg >= 10 and rss < 64 else 'no'} "
      f"checks={'ok' if ok else 'FAILED'}")
sys.exit(0 if ok else 1)
PY
rc=$?
T_PASS=1 T_FAIL=0
exit $rc
