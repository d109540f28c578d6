#!/usr/bin/env bash
# bench/api.sh: the HTTPS API under load (issue 4), with wrk over keep-alive
# TLS on loopback, three runs in one script against one `mnsafe serve`
# (durable audit: every reveal's audit entry is committed before its
# answer), on the embedded SQLite store or, with BENCH_BACKEND=postgresql,
# on a throwaway PostgreSQL server this script starts (tests/pg/pg-server.sh,
# TLS with verify-full, as in the tests) and stops:
#
#   baseline  GET /api/v1/health, no session (the server's floor)
#   masked    GET /api/v1/tenants/acme/persons?limit=10 as an assigned clerk
#   reveal    POST /api/v1/tenants/acme/persons/ID/reveal {"purpose"} as the clerk
#
# Printed: requests/s, p50 and p99 latency (wrk --latency), non-2xx answers,
# the daemon's peak RSS during the runs (and, apart, during the setup,
# whose logins hash passwords with Argon2id at 19 MiB each); then audit entries before and after (each reveal
# must have left one) and `mnsafe audit verify`. Targets (2 cores): reveals
# >= 20,000/s, p99 < 5 ms, RSS < 32 MiB. Missing a target is reported, not an
# error; a failed check is.
#
#   bench/api.sh [BUILD_DIR]    env: BENCH_API_SECONDS (10), BENCH_API_CONNECTIONS (32),
#                               BENCH_API_THREADS (the daemon's --threads; default its own),
#                               BENCH_BACKEND (sqlite | postgresql)
set -u -o pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-${MNS_BUILD_DIR:-$root/build}}
export MNSAFE="$build/src/mnsafe"
SECS=${BENCH_API_SECONDS:-10}
CONNS=${BENCH_API_CONNECTIONS:-32}
command -v wrk >/dev/null || { echo "api: wrk not installed (scripts/install-deps)" >&2; exit 2; }
[ -x "$MNSAFE" ] || { echo "api: $MNSAFE not built" >&2; exit 2; }
BENCH_NAME=api
. "$root/bench/backend.sh"

init_dev >/dev/null || exit 2
start_daemon --dev --rate-limit 0 ${BENCH_API_THREADS:+--threads $BENCH_API_THREADS} >/dev/null || exit 2
setup_tenant >/dev/null 2>&1 || exit 2
login clerk1 "$CLERK_PW"
for i in $(seq 20); do
  printf '%s\n' "$(valid_mynumber "$((71000000000 + i))")" | "$MNSAFE" person add acme --name "負荷 $i" --purpose withholding_slip >/dev/null
done
PID=$("$MNSAFE" person list acme | json_get 'j["persons"][0]["id"]')
TOKEN=$(session_token)
BASE="https://127.0.0.1:$HTTPS_PORT/api/v1"
cat >"$T_WORK/reveal.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"purpose":"withholding_slip"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA
audit_count() { local n; n=$(db_query "SELECT count(*) FROM audit_log"); echo "${n:-0}"; }
run() { # name url [wrk args...]
  local name=$1 url=$2; shift 2
  wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$@" "$url" >"$T_WORK/$name.txt" 2>&1
}
hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$DAEMON_PID/status"; }
# the peak so far holds the setup's password hashes (Argon2id, 19 MiB each,
# by design); the runs' own peak is measured from here (VmHWM reset)
SETUP_RSS=$(hwm)
echo 5 >"/proc/$DAEMON_PID/clear_refs" 2>/dev/null || SETUP_RSS=""
run baseline "$BASE/health"
run masked "$BASE/tenants/acme/persons?limit=10" -H "Authorization: Bearer $TOKEN"
A0=$(audit_count)
run reveal "$BASE/tenants/acme/persons/$PID/reveal" -s "$T_WORK/reveal.lua"
A1=$(audit_count)
RSS=$(hwm)
stop_daemon >/dev/null
VERIFY=$("$MNSAFE" audit verify >/dev/null 2>&1 && echo ok || echo FAILED)
python3 - "$T_WORK" "$RSS" "$A0" "$A1" "$VERIFY" "$BACKEND" "$SETUP_RSS" <<'PY'
import re, sys
w, rss, a0, a1, verify, backend = sys.argv[1], int(sys.argv[2] or 0), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
setup_rss = int(sys.argv[7]) if sys.argv[7] else None
def parse(name):
    t = open(f"{w}/{name}.txt").read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    total = int(re.search(r"(\d+) requests in", t).group(1))
    non2xx = int(re.search(r"Non-2xx or 3xx responses: (\d+)", t).group(1)) if "Non-2xx" in t else 0
    def ms(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", t)
        v, u = float(m.group(1)), m.group(2)
        return v / 1000 if u == "us" else v * 1000 if u == "s" else v
    return rps, ms(50), ms(99), total, non2xx
rows = {n: parse(n) for n in ("baseline", "masked", "reveal")}
print(f"\nHTTPS API on loopback, wrk keep-alive, store {backend}; daemon peak RSS during the runs {rss / 1024:.1f} MiB"
      + (f" (setup, with its logins' Argon2id: {setup_rss / 1024:.1f} MiB)" if setup_rss else " (the whole run: the peak could not be reset)"))
print(f"{'':40} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
labels = {"baseline": "baseline: GET /health (no session)", "masked": "masked list (clerk, 10 persons)",
          "reveal": "reveal with purpose, durable audit"}
for n, (rps, p50, p99, total, bad) in rows.items():
    print(f"{labels[n]:40} {rps:>9.0f} {p50:>8.2f} {p99:>8.2f} {bad:>8}")
rps, p50, p99, total, bad = rows["reveal"]
audited = a1 - a0
print(f"\nreveals answered {total}, audit entries written meanwhile {audited}; audit verify {verify}")
met = rps >= 20000 and p99 < 5 and rss / 1024 < 32
print(f"targets: reveals >= 20,000/s ({'met' if rps >= 20000 else 'NOT met'}: {rps:.0f}), p99 < 5 ms "
      f"({'met' if p99 < 5 else 'NOT met'}: {p99:.2f}), RSS < 32 MiB ({'met' if rss / 1024 < 32 else 'NOT met'}: {rss / 1024:.1f})")
ok = verify == "ok" and audited >= total - bad and all(r[4] == 0 for r in rows.values())
print(f"RESULT mnsafe_per_s={rps:.0f} baseline_per_s={rows['baseline'][0]:.0f} ratio={rows['baseline'][0] / rps:.2f} "
      f"ratio_median={rows['baseline'][0] / rps:.2f} target_met={'yes' if met else 'no'} checks={'ok' if ok else 'FAILED'}")
sys.exit(0 if ok else 1)
PY
rc=$?
T_PASS=1 T_FAIL=0
exit $rc
