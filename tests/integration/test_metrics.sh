#!/usr/bin/env bash
# test_metrics.sh: GET /api/v1/metrics in the Prometheus text format, checked
# by promtool (Debian's prometheus package); the counters move with the
# requests and the audit log; only the sysadmin (or the owner-only socket)
# reads it; it holds no personal data.
. "$(dirname "$0")/lib.sh"

command -v promtool >/dev/null || { fail "promtool is not installed (scripts/install-deps installs prometheus)"; finish; }
check "init --dev" init_dev
check "serve --dev" start_daemon --dev
check "setup_tenant" setup_tenant
scrape() { curl -s --unix-socket "$MNSAFE_DATA/mnsafe.sock" http://localhost/api/v1/metrics; }
metric() { awk -v k="$1" '$1 == k { print $2 }' <<<"$2"; }
M1=$(scrape)
check "promtool accepts the format" promtool check metrics <<<"$M1"
expect_eq "unsealed" 0 "$(metric mnsafe_sealed "$M1")"
expect_eq "in flight: this scrape alone" 1 "$(metric mnsafe_http_requests_in_flight "$M1")"
check "memory reported" [ "$(metric mnsafe_resident_memory_bytes "$M1")" -gt 1000000 ]
OK1=$(metric 'mnsafe_http_requests_total{code="2xx"}' "$M1")
ERR1=$(metric 'mnsafe_http_requests_total{code="4xx"}' "$M1")
A1=$(metric mnsafe_audit_entries "$M1")
login clerk1 "$CLERK_PW"
NUM=$(valid_mynumber 45600000001)
printf '%s\n' "$NUM" | "$MNSAFE" person add acme --name "計測 太郎" --purpose withholding_slip >/dev/null
api GET /api/v1/no-such-route >/dev/null
M2=$(scrape)
check "2xx counted" [ "$(metric 'mnsafe_http_requests_total{code="2xx"}' "$M2")" -gt "$OK1" ]
check "4xx counted" [ "$(metric 'mnsafe_http_requests_total{code="4xx"}' "$M2")" -gt "$ERR1" ]
check "audit entries counted" [ "$(metric mnsafe_audit_entries "$M2")" -gt "$A1" ]
expect_eq "the histogram's count is the +Inf bucket" "$(metric 'mnsafe_http_request_duration_seconds_bucket{le="+Inf"}' "$M2")" \
  "$(metric mnsafe_http_request_duration_seconds_count "$M2")"
# the quick pool (reveals, short lists) and the general one: a long page of
# persons goes to the general pool, so it cannot hold up the reveals
Q2=$(metric 'mnsafe_jobs_total{pool="quick"}' "$M2")
G2=$(metric 'mnsafe_jobs_total{pool="general"}' "$M2")
api GET '/api/v1/tenants/acme/persons?limit=500' >/dev/null
M3=$(scrape)
expect_eq "a page of 500 persons is not taken by the quick pool" "$Q2" "$(metric 'mnsafe_jobs_total{pool="quick"}' "$M3")"
check "but by the general one" [ "$(metric 'mnsafe_jobs_total{pool="general"}' "$M3")" -ge $((G2 + 2)) ]
api GET '/api/v1/tenants/acme/persons?limit=10' >/dev/null
M4=$(scrape)
expect_eq "a page of 10 is" "$((Q2 + 1))" "$(metric 'mnsafe_jobs_total{pool="quick"}' "$M4")"
expect_not_contains "no number in the metrics" "$NUM" "$M2"
expect_not_contains "no name" "計測" "$M2"
expect_not_contains "no user" "clerk1" "$M2"
# over the network: only a sysadmin's session
expect_eq "a clerk may not read them over HTTPS" 403 \
  "$(curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(session_token)" "https://127.0.0.1:$HTTPS_PORT/api/v1/metrics")"
expect_eq "nor anyone without a session over HTTPS" 401 \
  "$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$HTTPS_PORT/api/v1/metrics")"
login admin "$ADMIN_PW"
expect_eq "a sysadmin may, over HTTPS" 200 \
  "$(curl -sk -o "$T_WORK/m.txt" -w '%{http_code}' -H "Authorization: Bearer $(session_token)" "https://127.0.0.1:$HTTPS_PORT/api/v1/metrics")"
check "and gets the same format" promtool check metrics <"$T_WORK/m.txt"
finish
