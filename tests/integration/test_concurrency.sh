#!/usr/bin/env bash
# Group commit under concurrency: many clients reveal and add at once; every
# request gets its answer, every act has exactly one audit entry, the chain
# verifies, and a failing act in a busy group undoes only itself.
. "$(dirname "$0")/lib.sh"

init_dev || exit 1
start_daemon --dev --threads 16 || exit 1
setup_tenant || exit 1
login clerk1 "$CLERK_PW" || exit 1
N1=$(valid_mynumber 12345678901)
printf '%s\n' "$N1" | "$MNSAFE" person add acme --name "山田 太郎" --purpose withholding_slip >/dev/null
PID=$("$MNSAFE" person list acme | json_get 'j["persons"][0]["id"]')
TOKEN=$(cat "$MNSAFE_SESSION")
random_mynumbers 400 >"$T_WORK/numbers"
# two bad rows among the adds: a wrong check digit and a duplicate of N1
printf '123456789010\n%s\n' "$N1" >>"$T_WORK/numbers"

python3 - "$MNSAFE_DATA/mnsafe.sock" "$TOKEN" "$PID" "$T_WORK/numbers" "$N1" >"$T_WORK/load.out" <<'PY'
import json, socket, sys, threading
sock, token, pid, numfile, n1 = sys.argv[1:6]
numbers = open(numfile).read().split()

def call(s, method, path, body):
    b = json.dumps(body).encode()
    s.sendall((f"{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(b)}\r\n\r\n").encode() + b)
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise RuntimeError("connection closed")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    length = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0].split(b":")[1])
    while len(rest) < length:
        rest += s.recv(65536)
    return int(head.split()[1]), json.loads(rest)

results = {"reveal_ok": 0, "reveal_right": 0, "add_ok": 0, "add_bad": 0, "other": 0}
lock = threading.Lock()

def revealer():
    s = socket.socket(socket.AF_UNIX); s.connect(sock)
    for _ in range(50):
        st, j = call(s, "POST", f"/api/v1/tenants/acme/persons/{pid}/reveal", {"purpose": "withholding_slip"})
        with lock:
            if st == 200:
                results["reveal_ok"] += 1
                results["reveal_right"] += j.get("mynumber") == n1
            else:
                results["other"] += 1

def adder(chunk):
    s = socket.socket(socket.AF_UNIX); s.connect(sock)
    for num in chunk:
        st, j = call(s, "POST", "/api/v1/tenants/acme/persons",
                     {"persons": [{"name": "並行 太郎", "mynumber": num, "purposes": ["withholding_slip"]}]})
        with lock:
            if st == 201:
                results["add_ok"] += 1
            elif st in (400, 409):
                results["add_bad"] += 1
            else:
                results["other"] += 1

threads = [threading.Thread(target=revealer) for _ in range(16)]
threads += [threading.Thread(target=adder, args=(numbers[i::8],)) for i in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
print(json.dumps(results))
PY
R=$(cat "$T_WORK/load.out")
expect_eq "800 concurrent reveals answered 200" 800 "$(json_get 'j["reveal_ok"]' <<<"$R")"
expect_eq "every reveal returned the right number" 800 "$(json_get 'j["reveal_right"]' <<<"$R")"
expect_eq "400 concurrent adds stored" 400 "$(json_get 'j["add_ok"]' <<<"$R")"
expect_eq "the bad check digit and the duplicate refused" 2 "$(json_get 'j["add_bad"]' <<<"$R")"
expect_eq "no other answers" 0 "$(json_get 'j["other"]' <<<"$R")"

COUNT=0; AFTER=0
while :; do
  PAGE=$("$MNSAFE" person list acme --after "$AFTER" --limit 1000)
  n=$(json_get 'len(j["persons"])' <<<"$PAGE"); COUNT=$((COUNT + n))
  AFTER=$(json_get 'j["next_after"] or 0' <<<"$PAGE")
  [ "$AFTER" = 0 ] && break
done
expect_eq "401 persons stored (1 + 400), none from the refused rows" 401 "$COUNT"

login auditor1 "$AUDITOR_PW"
audit_dump "$T_WORK/audit.json"
count_audit() {
  python3 - "$T_WORK/audit.json" "$1" "$2" <<'PY'
import json, sys
entries, action, result = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
print(sum(1 for e in entries if e["action"] == action and e["result"].startswith(result)))
PY
}
expect_eq "one audit entry per reveal" 800 "$(count_audit person.reveal ok)"
expect_eq "one ok audit entry per stored person" 401 "$(count_audit person.create ok)"
expect_eq "refused adds audited" 2 "$(count_audit person.create error)"
stop_daemon
OUT=$("$MNSAFE" audit verify); RC=$?
expect_eq "audit chain intact after concurrent groups" 0 "$RC"
expect_contains "verify says intact" "intact" "$OUT"
finish
