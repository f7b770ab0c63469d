#!/usr/bin/env bash
# Makes assets/partop.svg: a real run of partop in tmux (120x40) on the
# embedded cluster, started exactly as `go run .` starts it (no flags),
# captured with colours 6 s after adding 4 partitions, rendered by freeze
# (fetched from the Go module proxy). Rerun any time.
#
# Installs tmux (Debian package, apt-get) if it is missing, and says so.
# partop runs on a private tmux server (-L): the user's own sessions are
# never touched.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-assets/partop.svg}
freeze="go run github.com/charmbracelet/freeze@v0.2.2"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/partop-shot.XXXXXX")
sock=partop-shot-$$
tm() { tmux -u -L "$sock" -f "$tmp/tmux.conf" "$@"; }
cleanup() {
  tm kill-server 2>/dev/null || true
  rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock" # kill-server leaves the socket
  rm -rf "$tmp"
}
trap cleanup EXIT
die() { echo "screenshot.sh: $*" >&2; exit 1; }

# partop draws with box-drawing characters: tmux needs a UTF-8 locale.
[ "$(locale charmap 2>/dev/null)" = UTF-8 ] || export LC_ALL=C.UTF-8

if ! command -v tmux >/dev/null; then
  sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "==> installing tmux (Debian package, apt-get)"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq tmux \
    || die "apt-get install tmux failed"
fi

screen() { tm capture-pane -p -t app 2>/dev/null || true; }
# wait_for TEXT SECONDS: until partop's screen shows TEXT.
wait_for() {
  local deadline=$((SECONDS + $2))
  until screen | grep -qF -- "$1"; do
    ((SECONDS < deadline)) && tm has-session -t app 2>/dev/null || return 1
    sleep 0.2
  done
}

go build -o "$tmp/partop" .
# No status line: the pane is the whole 120x40. 256 colours, as most
# terminals have.
cat >"$tmp/tmux.conf" <<'EOF'
set -g status off
set -g default-terminal tmux-256color
EOF
# No flags: what `go run .` shows. (If 9092 is taken, partop picks free
# ports and says so on stderr, which goes to a file.)
printf -v app_cmd '%q 2>%q' "$tmp/partop" "$tmp/partop.stderr"
tm new-session -d -s app -x 120 -y 40 "$app_cmd"
wait_for "partitions:" 20 || die "partop did not start; its stderr: $(cat "$tmp/partop.stderr" 2>/dev/null)"
sleep 8                       # 8 s of even load on 4 partitions
tm send-keys -t app a
sleep 0.5
tm send-keys -t app 4
sleep 0.5
tm send-keys -t app Enter
sleep 6                       # the balance chart shows the dip and the recovery; the log, the pickup
tm capture-pane -e -p -t app >"$tmp/screen.ansi"
screen | grep -qF "picked up all 4" || die "partop did not report the pickup; screen:
$(screen)"
tm send-keys -t app q

# freeze starts a fresh style at every SGR sequence, so an underline set
# earlier is lost at the next sequence (the table headers' bold words):
# only their spaces kept it, and a browser showed them as underscores.
# Repeat the underline in every SGR sequence while it is on, so the
# headers are underlined whole, as in a terminal. (38/48 carry colour
# numbers, skipped; 0 and 24 end the underline.)
perl -pe '
  BEGIN { $u = 0 }
  s{\e\[([0-9;]*)m}{
    my @p = length($1) ? split(/;/, $1) : (0);
    my $set = 0;
    for (my $i = 0; $i < @p; $i++) {
      my $v = $p[$i];
      if ($v == 38 || $v == 48) { $i += ($p[$i + 1] // 0) == 5 ? 2 : 4; next }
      if ($v == 0 || $v == 24) { $u = 0 } elsif ($v == 4) { $u = 1; $set = 1 }
    }
    ($u && !$set) ? "\e[" . join(";", @p, 4) . "m" : "\e[$1m"
  }ge' "$tmp/screen.ansi" >"$tmp/screen.fixed.ansi"

$freeze "$tmp/screen.fixed.ansi" -l ansi --window --padding 20,24 --font.size 14 -o "$tmp/partop.svg"
# Check: no underlined run of spaces between words that are not underlined.
if grep -qE 'text-decoration="underline"> +</tspan><tspan xml:space="preserve">[^<]' "$tmp/partop.svg"; then
  die "the SVG still underlines spaces alone"
fi
mv "$tmp/partop.svg" "$out"
echo "wrote $out"
