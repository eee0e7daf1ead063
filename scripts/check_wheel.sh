#!/usr/bin/env bash
# Install triage the way a user installs a tool: build the wheel, install it
# into a fresh virtual environment (nothing from this checkout on the path),
# and run the installed command.  `triage demo` draws its window, so it runs
# under a pseudo-terminal, waits for the first card and quits with `q`.
set -euo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m pip wheel -q --no-deps --wheel-dir "$work/dist" .
wheel="$(ls "$work"/dist/triage_contacts-*.whl)"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$wheel"

cd "$work"  # away from the checkout: only the installed package can answer
triage="$work/venv/bin/triage"
data="$work/data"
export TRIAGE_CONFIG="$work/no-config.toml"

"$triage" --version
"$triage" --version | grep "^Textual " >/dev/null
"$work/venv/bin/python" - "$triage" "$data" <<'PY'
"""`triage demo --reset` in a pseudo-terminal: the card appears, `q` quits."""
import os, pty, select, sys, time

triage, data = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.environ.update(COLUMNS="100", LINES="30", TERM="xterm-256color")
    os.execv(triage, [triage, "--data-dir", data, "demo", "--reset"])
seen, end, quit_sent = b"", time.monotonic() + 60, False
while time.monotonic() < end:
    ready, _, _ = select.select([fd], [], [], 0.2)
    if ready:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    if not quit_sent and b"undecided" in seen:  # the header and the card are drawn
        os.write(fd, b"q")
        quit_sent = True
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
if not quit_sent or code != 0:
    sys.exit(f"check_wheel: demo did not draw a card and quit cleanly (exit {code})")
print("demo: drew the first card and quit with q")
PY
"$triage" --data-dir "$data" status --deck demo --json > "$work/status.json"
"$work/venv/bin/python" - "$work/status.json" <<'PY'
import json, sys
status = json.load(open(sys.argv[1]))
assert status["deck"] == "demo" and status["contacts"] > 0, status
assert status["invite"] == 0 and status["undecided"] == status["contacts"], status
print(f"status: deck demo holds {status['contacts']} people, none picked")
PY
"$triage" completion bash | grep serve >/dev/null
"$triage" config | grep "^data folder" >/dev/null
test -f "$work/venv/share/man/man1/triage.1"
echo "check_wheel: the installed wheel works"
