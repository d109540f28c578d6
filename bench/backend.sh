# bench/backend.sh: sourced by the benchmarks that run on either store
# (bench/api.sh, bench/tenants.sh) in place of tests/integration/lib.sh.
# BENCH_BACKEND=sqlite (the default) or postgresql; with postgresql a
# throwaway server is started (tests/pg/pg-server.sh, TLS with verify-full,
# as in the tests) and stopped at exit, after lib.sh's cleanup has dropped
# the benchmark's schema. Needs $root and a name for messages, $BENCH_NAME.
BACKEND=${BENCH_BACKEND:-sqlite}
if [ "$BACKEND" = postgresql ]; then
  PG_STATE=$(mktemp "${TMPDIR:-/tmp}/mnsafe-bench-pg.XXXXXX")
  bash "$root/tests/pg/pg-server.sh" start "$PG_STATE" >/dev/null ||
    { echo "$BENCH_NAME: cannot start PostgreSQL" >&2; exit 2; }
  export MNS_TEST_BACKEND=postgresql MNS_TEST_PG_STATE=$PG_STATE
  trap 'bash "$root/tests/pg/pg-server.sh" stop "$PG_STATE" >/dev/null 2>&1' EXIT
elif [ "$BACKEND" != sqlite ]; then
  echo "$BENCH_NAME: BENCH_BACKEND is sqlite or postgresql" >&2; exit 2
fi
. "$root/tests/integration/lib.sh"
[ "$BACKEND" = postgresql ] && trap 'cleanup; bash "$root/tests/pg/pg-server.sh" stop "$PG_STATE" >/dev/null 2>&1' EXIT
