#!/usr/bin/env bash
# Captures the TUI as text, as in the README: runs the tool in a tmux pane of the given size, waits for
# the final diff, and prints the columns view (after `d`) and the diff view. Needs tmux.
#   scripts/capture-screen.sh [COLS] [ROWS] [-- extra noetl-loadrun args]
set -euo pipefail
cols=${1:-120}; rows=${2:-40}; shift $(( $# > 2 ? 2 : $# )) || true
[ "${1:-}" = "--" ] && shift
args=("$@"); [ ${#args[@]} -eq 0 ] && args=(--sandbox-fault loop-stops-after-first-window --stall-seconds 10)
cd "$(dirname "$0")/.."
sock="loadrun-capture-$$"; out=$(mktemp -d)
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$out"' EXIT
tmux -L "$sock" new-session -d -s cap -x "$cols" -y "$rows" "env -u CI node bin/noetl-loadrun.js ${args[*]} --report-dir $out/r; sleep 120"
for _ in $(seq 1 300); do
  tmux -L "$sock" capture-pane -p -t cap | grep -q 'missing-items diff — final' && break
  sleep 1
done
tmux -L "$sock" send-keys -t cap d; sleep 1
echo "--- columns ---"; tmux -L "$sock" capture-pane -p -t cap
tmux -L "$sock" send-keys -t cap d; sleep 1
echo "--- diff ---"; tmux -L "$sock" capture-pane -p -t cap
tmux -L "$sock" send-keys -t cap q; sleep 2
