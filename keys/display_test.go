package keys

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestDisplay(t *testing.T) {
	long := strings.Repeat("é", 40) // 80 bytes: the cut at 64 falls on a rune boundary
	odd := "x" + strings.Repeat("é", 40)
	for _, c := range []struct {
		name  string
		key   string
		cut   bool
		width int
		want  string
	}{
		{"plain", "order-42", false, 20, "order-42"},
		{"empty", "", false, 20, "(empty)"},
		{"empty, narrow", "", false, 4, "(em…"},
		{"newline and escape", "a\nb\x1b[31mc", false, 40, `a\nb\x1b[31mc`},
		{"tab, CR, DEL, NUL", "\t\r\x7f\x00", false, 40, `\t\r\x7f\x00`},
		{"bidi override and C1", "a\u202eb\u0085", false, 40, `a\u202eb\u0085`},
		{"not UTF-8", "\xff\x00\x01", false, 40, "0xff0001"},
		{"not UTF-8, narrow", "\xff\x00\x01\x02", false, 6, "0xff0…"},
		{"too wide", "abcdefghij", false, 5, "abcd…"},
		{"exactly wide enough", "abcde", false, 5, "abcde"},
		{"cut, room for the mark", "abc", true, 5, "abc…"},
		{"cut, no room", "abcde", true, 5, "abcd…"},
		{"cut inside a rune stays text", odd[:MaxKey], true, 80, odd[:MaxKey-1] + "…"},
		{"cut on a rune boundary", long[:MaxKey], true, 80, long[:MaxKey] + "…"},
		{"wide runes", "日本語のキー", false, 7, "日本語…"},
		{"zero width", "abc", false, 0, ""},
		{"one cell", "abc", false, 1, "…"},
	} {
		got := Display(c.key, c.cut, c.width)
		if got != c.want {
			t.Errorf("%s: Display(%q, %v, %d) = %q, want %q", c.name, c.key, c.cut, c.width, got, c.want)
		}
		if w := ansi.StringWidth(got); w > c.width {
			t.Errorf("%s: %q is %d cells, over %d", c.name, got, w, c.width)
		}
		if strings.ContainsFunc(got, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Errorf("%s: %q holds a control character", c.name, got)
		}
	}
}

// A 1 MiB key costs Display no more than its kept prefix, and binary keys
// of every byte print safely.
func TestDisplayRecordKeys(t *testing.T) {
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i)
	}
	r := NewRecord(big, 0)
	if got := Display(r.Key, r.Len > len(r.Key), 200); !strings.HasPrefix(got, `\x00\x01\x02`) || !strings.HasSuffix(got, "…") || ansi.StringWidth(got) > 200 {
		t.Errorf("1 MiB key: %q", got)
	}
	for b := range 256 {
		got := Display(string([]byte{byte(b)}), false, 10)
		if got == "" || ansi.StringWidth(got) > 10 || strings.ContainsFunc(got, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Errorf("byte %#x: %q", b, got)
		}
	}
}
