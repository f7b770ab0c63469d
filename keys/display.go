package keys

import (
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Display makes a key safe to print in at most width cells: control and
// other unprintable characters escaped (\n, \t, \x1b, \u202e ...) so that
// a key cannot move the cursor or reorder a line, a key that is not UTF-8
// as hex (0x...), a cut or too-wide key ended with "…", an empty key as
// "(empty)". cut says key is the prefix of a longer one (Record.Key of a
// key over MaxKey bytes). Widths are counted as the views count them
// (ansi.StringWidth).
func Display(key string, cut bool, width int) string {
	if width <= 0 {
		return ""
	}
	var s string
	switch {
	case key == "" && !cut:
		s = "(empty)"
	case utf8.ValidString(trimPartialRune(key, cut)):
		s = escape(trimPartialRune(key, cut))
	default:
		s = "0x" + hex.EncodeToString([]byte(key))
	}
	w := ansi.StringWidth(s)
	if !cut && w <= width {
		return s
	}
	if w > width-1 {
		s = ansi.Truncate(s, width-1, "")
	}
	return s + "…"
}

// trimPartialRune drops the end of a rune that the cut at MaxKey bytes
// split, so that a cut UTF-8 key still reads as text.
func trimPartialRune(key string, cut bool) string {
	if !cut {
		return key
	}
	for i := 1; i <= utf8.UTFMax-1 && i <= len(key); i++ {
		if r := key[len(key)-i]; utf8.RuneStart(r) {
			if !utf8.FullRuneInString(key[len(key)-i:]) {
				return key[:len(key)-i]
			}
			break
		}
	}
	return key
}

// escape writes unprintable runes as Go escapes; printable text is
// unchanged.
func escape(s string) string {
	clean := true
	for _, r := range s {
		if !printable(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case printable(r):
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	return b.String()
}

// printable is what a terminal shows as itself: Go's graphic characters
// but only the ASCII space (no format characters such as the bidi
// overrides, no other spaces that read as nothing).
func printable(r rune) bool { return r == ' ' || (r != utf8.RuneError && unicode.IsPrint(r)) }
