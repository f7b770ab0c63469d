#!/usr/bin/env bash
# Records the README's animated demo from a real run of partop:
#   assets/demo.cast  the asciinema recording (asciicast v2: `asciinema play assets/demo.cast`)
#   assets/demo.svg   the same as an animated SVG, made by svg-term-cli
#
# The run: partop on its embedded cluster, started exactly as `go run .`
# starts it (no flags: the default partitioner, batch-round-robin, picks
# new partitions up within milliseconds), ~9 s of steady load on 4 partitions,
# `a` `4` (the prompt previews 4 → 8 and the share of keys that move), Enter,
# ~14 s of the pickup (event log line, `+` marks going away, BALANCE chart
# dipping and recovering), `s` to sort the table (by rate), then q. About 31 s.
#
# DEMO=keys records assets/keys.cast and assets/keys.svg instead: the same
# run with `--keys zipf` (a hot key, murmur2): the prompt predicts the
# balance 4 → 8 and names the hot key, Enter, the event log tells the
# prediction and, a balance window later, the Jain measured; Enter then
# shows the keys of the hottest partition (after `s`). About 40 s.
#
# Usage: bash scripts/demo.sh            about a minute; rerun any time
#        DEMO=keys bash scripts/demo.sh  the keys-and-prediction demo
#        DEMO_TICK=500ms bash scripts/demo.sh   half the frames: smaller files
#                                                (--tick 500ms, the one flag then)
#
# Installs what it lacks, and says so: asciinema and tmux (Debian packages,
# apt-get), svg-term-cli (pinned, from npm, into $XDG_CACHE_HOME/partop-demo).
# Needs Go, Node.js and npm.
#
# How: partop runs in a tmux session ("app") of a private tmux server and is
# driven with send-keys. asciinema records a tmux client attached to that
# session, run inside a second detached session ("rec"). Recording tmux's
# redraw rather than partop's own output is deliberate: partop's renderer
# uses escape sequences (REP, HPA, …) that svg-term's old terminal emulator
# gets wrong, while tmux, told the outer terminal is xterm-256color, redraws
# with basic ones that svg-term renders exactly.
set -Eeuo pipefail
trap 'echo "demo.sh: FAILED at line $LINENO: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."

cols=110 rows=34                    # partop's terminal size
name=demo args=                     # the files' name, partop's flags
[ "${DEMO:-}" = keys ] && name=keys args=" --keys zipf" cols=120 rows=40
tick=${DEMO_TICK:-}                 # partop's refresh, so the cast's frame rate (default: partop's, 250ms)
svgterm_version=2.1.1               # pinned svg-term-cli
cache=${XDG_CACHE_HOME:-$HOME/.cache}/partop-demo
max_cast=$((1024 * 1024))           # the cast must stay commit-sized
max_svg=$((2 * 1024 * 1024))        # and the SVG README-sized

say() { echo "==> $*"; }
die() { echo "demo.sh: $*" >&2; exit 1; }
size() { stat -c %s "$1"; }

# A private tmux server (-L): the user's own tmux sessions are never
# touched, and everything it runs goes with it on exit.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/partop-demo.XXXXXX")
sock=partop-demo-$$
pause_pid=
cleanup() {
  [ -z "$pause_pid" ] || kill "$pause_pid" 2>/dev/null || true
  tmux -L "$sock" kill-server 2>/dev/null || true
  rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"   # kill-server leaves the socket
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "demo.sh: interrupted" >&2; exit 130' INT TERM

start=$SECONDS

# partop draws with box-drawing characters: tmux (-u below) and asciinema
# need a UTF-8 locale, or they turn them into "_".
[ "$(locale charmap 2>/dev/null)" = UTF-8 ] || export LC_ALL=C.UTF-8

# ---- tools ----------------------------------------------------------------
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
missing=()
command -v asciinema >/dev/null || missing+=(asciinema)
command -v tmux >/dev/null || missing+=(tmux)
if ((${#missing[@]})); then
  say "installing ${missing[*]} (Debian packages, apt-get)"
  $sudo apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" \
    || die "apt-get install ${missing[*]} failed"
fi
command -v go >/dev/null || die "needs Go on PATH"
command -v npm >/dev/null && command -v node >/dev/null \
  || die "needs Node.js and npm for svg-term-cli (apt-get install nodejs npm)"

svgterm=$cache/node_modules/.bin/svg-term
have=$(node -p "require('$cache/node_modules/svg-term-cli/package.json').version" 2>/dev/null || true)
if [ "$have" != "$svgterm_version" ] || [ ! -x "$svgterm" ]; then
  say "installing svg-term-cli@$svgterm_version (npm) into $cache"
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-fund --no-audit --loglevel=error \
    "svg-term-cli@$svgterm_version" || die "npm install svg-term-cli@$svgterm_version failed"
fi

# asciinema 3 writes asciicast v3 by default; svg-term reads only v2.
asciinema_v2=
case "$(asciinema --version 2>&1)" in
  *" 1."* | *" 2."*) ;;
  *) asciinema_v2=--output-format=asciicast-v2 ;;
esac

# ---- build ----------------------------------------------------------------
say "building partop"
go build -o "$tmp/partop" . || die "go build failed"

# ---- record ---------------------------------------------------------------
# status off: no status line, so panes are exactly the sizes asked for.
# tmux-256color inside: partop draws with 256 colours. The border styles:
# see the "rec" session below.
cat >"$tmp/tmux.conf" <<'EOF'
set -g status off
set -g default-terminal tmux-256color
set -g escape-time 0
set -g pane-border-style fg=colour235
set -g pane-active-border-style fg=colour235
EOF
tm() { tmux -u -L "$sock" -f "$tmp/tmux.conf" "$@"; }
key() { tm send-keys -t app "$@"; }
# pause SECONDS: a sleep that a signal interrupts at once (bash runs traps
# only after a foreground command ends, but during `wait` right away).
pause() { sleep "$1" & pause_pid=$!; wait "$pause_pid"; }
screen() { tm capture-pane -p -t app 2>/dev/null || true; }
# wait_for TEXT SECONDS: until partop's screen shows TEXT; fails at once if
# partop has exited.
wait_for() {
  local deadline=$((SECONDS + $2))
  until screen | grep -qF -- "$1"; do
    ((SECONDS < deadline)) && tm has-session -t app 2>/dev/null || return 1
    sleep 0.2
  done
}

say "recording partop at ${cols}x${rows}${tick:+, --tick $tick} (about 31 s)"
# No flags: what `go run .` shows (if 9092 is taken, partop picks free
# ports and says so on stderr). stderr goes to a file: it holds only the
# startup note and errors, which would otherwise show on the terminal.
printf -v app_cmd '%q%s%s 2>%q' "$tmp/partop" "$args" "${tick:+ --tick $(printf %q "$tick")}" "$tmp/partop.stderr"
tm new-session -d -s app -x "$cols" -y "$rows" "$app_cmd"
# Keep partop at cols×rows whatever size the recording client has. (Set on
# this window only: tmux 3.3a crashes on a later `new-session -d` when
# window-size manual is set globally.)
tm set-option -w -t app window-size manual
# "partitions:" is the dashboard's second line: partop is up and drawing.
wait_for "partitions:" 20 \
  || die "partop did not start; its stderr: $(cat "$tmp/partop.stderr" 2>/dev/null)"

# The recorder: asciinema running a tmux client attached to "app", in a
# terminal one column wider than partop's. svg-term places column i at
# x = 1.002·i in a box exactly as wide as the terminal, which clips the last
# column; the spare column keeps partop's last one (ERRORS) whole. tmux
# marks the window's right edge there with a border line, drawn in
# colour235 (#262626), next to invisible on svg-term's #282d35 background.
# (Colour 0 would be invisible in a terminal, but svg-term draws it black.)
# env -u TMUX lets the client start inside the "rec" session.
printf -v client_cmd 'env -u TMUX tmux -u -L %q -f %q attach -t app' "$sock" "$tmp/tmux.conf"
printf -v rec_cmd 'TERM=xterm-256color asciinema rec -q --overwrite --idle-time-limit 1 %s -t %q -c %q %q 2>%q' \
  "$asciinema_v2" "partop demo" "$client_cmd" "$tmp/demo.cast" "$tmp/asciinema.log"
tm new-session -d -s rec -x $((cols + 1)) -y "$rows" "$rec_cmd"
deadline=$((SECONDS + 10))
until [ -s "$tmp/demo.cast" ] && [ "$(tm list-clients -t app 2>/dev/null | wc -l)" -ge 1 ]; do
  ((SECONDS < deadline)) || die "asciinema did not start: $(cat "$tmp/asciinema.log" 2>/dev/null)"
  sleep 0.1
done

pause 9                 # steady load on 4 partitions; the charts fill in
key a
pause 1
key 4                   # the prompt previews "4 → 8" and the keys that move
wait_for "4 → 8" 5 || die "the add prompt did not preview 4 → 8; screen:
$(screen)"
if [ "$name" = keys ]; then
  wait_for "predicted Jain" 5 || die "the prompt did not predict; screen:
$(screen)"
  pause 4               # time to read the prediction and the hot key
else
  pause 2.5             # time to read the prompt
fi
key Enter
pause 14                # pickup, + marks going away, BALANCE dip and recovery
screen | grep -qF "producer picked up all 4" \
  || die "partop did not report the pickup of the 4 new partitions; screen:
$(screen)"
key s                   # sort the table by rate
pause 3
if [ "$name" = keys ]; then
  wait_for "measured" 10 || die "the event log did not tell the measured Jain; screen:
$(screen)"
  key Enter             # the keys of the hottest partition
  pause 5
fi

# Stop the recording before quitting partop: detaching the recorded client
# ends asciinema with partop on screen, so the demo does not end on a blank
# terminal. Then quit partop with q, as a user would.
tm detach-client -s app
deadline=$((SECONDS + 15))
while tm has-session -t rec 2>/dev/null; do
  ((SECONDS < deadline)) || die "asciinema did not stop after the client detached"
  sleep 0.2
done
key q
deadline=$((SECONDS + 20))      # partop flushes in-flight records on exit
while tm has-session -t app 2>/dev/null; do
  ((SECONDS < deadline)) || die "partop did not quit on q"
  sleep 0.2
done

# ---- tidy the cast --------------------------------------------------------
# Three edits to the recording's timing and ends, none to what it shows:
#  - the first events (the client's set-up and first full redraw, within
#    0.2 s) become one event at 0 s: the animation opens on the dashboard;
#  - each burst of events less than 20 ms apart (one dashboard frame that
#    tmux wrote in several pieces) becomes one event. svg-term rounds times
#    to 10 ms and, of frames with the same time, may show a half-drawn one
#    for a whole tick: rows of the table would show stale ids;
#  - the client's exit (leaving the alternate screen, "[detached …]") is
#    dropped: the demo ends on the dashboard.
say "tidying the cast"
node - "$tmp/demo.cast" "$tmp/tidy.cast" $((cols + 1)) "$rows" <<'EOF' || die "tidying the cast failed"
const fs = require("fs");
const [inp, out, cols, rows] = process.argv.slice(2);
const lines = fs.readFileSync(inp, "utf8").trim().split("\n");
const header = JSON.parse(lines.shift());
if (header.version !== 2) throw new Error(`cast is asciicast v${header.version}, want v2`);
if (header.width != cols || header.height != rows)
  throw new Error(`cast is ${header.width}x${header.height}, want ${cols}x${rows}`);
let ev = lines.map((l) => JSON.parse(l)).filter((e) => e[1] === "o");
const exit = ev.findLastIndex((e) => e[2].includes("\u001b[?1049l"));
if (exit < 0) throw new Error("no client exit found at the end of the cast");
ev = ev.slice(0, exit);
const merged = [];
for (const [t, , data] of ev) {
  const last = merged[merged.length - 1];
  if (last && (t < 0.2 || t - last.end < 0.02)) {
    last.data += data;
    last.end = t;
  } else merged.push({ t: t < 0.2 ? 0 : t, end: t, data });
}
const body = merged.map((e) => JSON.stringify([Math.round(e.t * 1e6) / 1e6, "o", e.data]));
fs.writeFileSync(out, [JSON.stringify(header), ...body].join("\n") + "\n");
const end = merged[merged.length - 1].t;
console.log(`cast: ${ev.length} events merged into ${merged.length} frames, ${end.toFixed(1)} s`);
EOF
cast_size=$(size "$tmp/tidy.cast")
((cast_size < max_cast)) \
  || die "the cast is $cast_size bytes (limit $max_cast): rerun with DEMO_TICK=500ms"

# ---- render ---------------------------------------------------------------
# No --width/--height: svg-term then emulates the cast's own size. (Given
# --height N it emulates N+1 rows, and --width other than the cast's makes
# tmux's redraws land in the wrong places.)
say "rendering the SVG with svg-term"
"$svgterm" --in "$tmp/tidy.cast" --out "$tmp/demo.svg" --window --no-cursor \
  || die "svg-term failed"
svg_size=$(size "$tmp/demo.svg")
grep -q "@keyframes" "$tmp/demo.svg" || die "svg-term wrote an SVG without animation"
if command -v rsvg-convert >/dev/null; then   # optional: checks the SVG parses
  rsvg-convert "$tmp/demo.svg" -o "$tmp/check.png" || die "rsvg-convert cannot read the SVG"
fi
((svg_size < max_svg)) \
  || echo "demo.sh: warning: the SVG is $svg_size bytes; DEMO_TICK=500ms makes it smaller" >&2

mkdir -p assets
mv "$tmp/tidy.cast" "assets/$name.cast"
mv "$tmp/demo.svg" "assets/$name.svg"
say "wrote assets/$name.cast ($((cast_size / 1024)) KiB) and assets/$name.svg ($((svg_size / 1024)) KiB) in $((SECONDS - start)) s"
