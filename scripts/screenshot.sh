#!/usr/bin/env bash
# Makes assets/partop.svg: a real run of partop in tmux (120x40) on the
# embedded cluster, captured with colours 6 s after adding 4 partitions,
# rendered by freeze (fetched from the Go module proxy). Rerun any time.
# Needs: tmux (apt-get install tmux).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-assets/partop.svg}
session=partop-shot-$$
bin=$(mktemp -d)/partop
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$(dirname "$bin")"' EXIT

go build -o "$bin" .
tmux new-session -d -s "$session" -x 120 -y 40 "$bin --partitioner round-robin --port -1"
sleep 8                       # 8 s of even load on 4 partitions
tmux send-keys -t "$session" a
sleep 0.5
tmux send-keys -t "$session" 4
sleep 0.5
tmux send-keys -t "$session" Enter
sleep 6                       # the balance chart shows the dip and the recovery; the log, the pickup
tmux capture-pane -e -p -t "$session" > "$(dirname "$bin")/screen.ansi"
tmux send-keys -t "$session" q

go run github.com/charmbracelet/freeze@v0.2.2 "$(dirname "$bin")/screen.ansi" -l ansi \
  --window --padding 20,24 --font.size 14 -o "$out"
echo "wrote $out"
