#!/usr/bin/env bash
# make demo: builds, then does what a clinician does, on a simulated table.
#  1. tractiond --simulate starts in the background, its control socket and
#     state under .build/demo-state (the socket in your own primary group);
#  2. tractionctl starts the one-minute demo program, watches it, pauses,
#     resumes and stops it, and prints the status; the daemon is then stopped
#     with SIGTERM (it releases any tension first);
#  3. tractionctl replays the same program on a virtual clock with a
#     patient-switch press, and writes a chart of it.
# Any step that fails fails the demo with a message; the daemon is never left running.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

fail() {
    echo "make demo: FAILED: $*" >&2
    exit 1
}

swift build --product tractiond || fail "tractiond did not build"
swift build --product tractionctl || fail "tractionctl did not build"
bin="$(swift build --show-bin-path)"
chart="$(pwd)/.build/demo-replay.svg"
demo="$(pwd)/.build/demo-state"
socket="$demo/run/control.sock"
daemon_log="$demo/tractiond.log"

rm -rf "$demo"
mkdir -p "$demo/state"
# The daemon refuses a socket directory others may write to.
chmod 755 "$demo"
# No socket.group and no roles: the simulated daemon gives them to your primary group.
cat > "$demo/tractiond.yaml" <<YAML
socket:
  path: $socket
programs:
  directories: [$(pwd)/Config/programs]
state:
  directory: $demo/state
YAML

daemon_pid=""
stop_daemon() {
    [ -n "$daemon_pid" ] || return 0
    if kill -0 "$daemon_pid" 2>/dev/null; then
        kill -TERM "$daemon_pid" 2>/dev/null || true
        # SIGTERM releases any tension at the normal rate, then the daemon exits.
        for _ in $(seq 1 300); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$daemon_pid" 2>/dev/null; then
            echo "make demo: the daemon did not stop within 30 s of SIGTERM; killing it" >&2
            kill -KILL "$daemon_pid" 2>/dev/null || true
        fi
    fi
    daemon_status=0
    wait "$daemon_pid" 2>/dev/null || daemon_status=$?
    daemon_pid=""
    return "$daemon_status"
}
on_exit() {
    status=$?
    if [ -n "$daemon_pid" ]; then
        stop_daemon || true
        if [ "$status" -ne 0 ] && [ -s "$daemon_log" ]; then
            echo "--- the daemon's log ($daemon_log), last lines:" >&2
            tail -n 20 "$daemon_log" >&2
        fi
    fi
    exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ctl() {
    "$bin/tractionctl" "$@" --socket "$socket"
}

echo
echo "== 1. A simulated table: tractiond --simulate in the background (log: $daemon_log)"
"$bin/tractiond" --simulate --no-realtime --config "$demo/tractiond.yaml" --status-interval 5 2>"$daemon_log" &
daemon_pid=$!
ready=""
for _ in $(seq 1 300); do
    kill -0 "$daemon_pid" 2>/dev/null || fail "tractiond exited at start; its log: $(cat "$daemon_log")"
    if [ -S "$socket" ] && ctl status --json 2>/dev/null | grep -q '"state" *: *"ready"'; then
        ready=yes
        break
    fi
    sleep 0.1
done
[ -n "$ready" ] || fail "the simulated table was not ready within 30 s (socket $socket)"
grep -m1 "primary group" "$daemon_log" || true
ctl status || fail "tractionctl status"

echo
echo "== 2. A clinician runs the demo program (about one minute of real time)"
ctl start demo --patient DEMO-1 --weight 75 --yes || fail "tractionctl start demo"
ctl watch --seconds 16 || fail "tractionctl watch"
echo "-- pause"
ctl pause || fail "tractionctl pause"
ctl watch --seconds 4 || fail "tractionctl watch (paused)"
echo "-- resume"
ctl resume || fail "tractionctl resume"
ctl watch --seconds 10 || fail "tractionctl watch (resumed)"
echo "-- stop"
ctl stop || fail "tractionctl stop"
released=""
for _ in $(seq 1 300); do
    if ctl status --json 2>/dev/null | grep -q '"state" *: *"ready"'; then
        released=yes
        break
    fi
    sleep 0.1
done
[ -n "$released" ] || fail "the table did not release to ready within 30 s of the stop"
ctl status || fail "tractionctl status"

echo "-- stopping the daemon (SIGTERM)"
stop_daemon || fail "tractiond exited with status $? after SIGTERM"
grep -E "session (started|ended)|-> (paused|releasing)|stopped$" "$daemon_log" || true

echo
echo "== 3. The same program replayed on a virtual clock, patient switch pressed at 0:40"
"$bin/tractionctl" replay Config/programs/demo.yaml --weight 75 --faults 40s:patient-switch --chart "$chart" \
    || fail "tractionctl replay"
echo
echo "Open the chart in a browser: $chart"
