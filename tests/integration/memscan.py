# memscan.py PID NEEDLE...: counts each needle in every readable mapping of the
# process (/proc/PID/mem; needs root or ptrace rights). Prints JSON {needle: count}.
# Mappings over 4 GiB are sanitizer shadow memory (ASan reserves terabytes,
# mostly never touched): they hold no program data and are skipped.
import json, re, sys

pid, needles = int(sys.argv[1]), [n.encode() for n in sys.argv[2:]]
CHUNK, OVERLAP, HUGE = 64 << 20, 256, 4 << 30
found = {}
mem = open(f"/proc/{pid}/mem", "rb", 0)
for line in open(f"/proc/{pid}/maps").read().splitlines():
    m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
    if not m or "r" not in m.group(3) or "[vvar]" in line or "[vsyscall]" in line:
        continue
    a, b = int(m.group(1), 16), int(m.group(2), 16)
    if b - a > HUGE:
        continue
    pos, tail = a, b""
    while pos < b:
        try:
            mem.seek(pos)
            data = tail + mem.read(min(CHUNK, b - pos))
        except OSError:
            break
        for n in needles:
            c = data.count(n) - tail.count(n)
            if c > 0:
                found[n.decode()] = found.get(n.decode(), 0) + c
        tail = data[-OVERLAP:]
        pos += CHUNK
print(json.dumps(found, ensure_ascii=False))
