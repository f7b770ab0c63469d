package cmdline

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"partop/cmdline/platform"
)

// usage is --help: examples, then the flags grouped by purpose, each
// section's flags in the order of their names.
type usage struct {
	fs       *flag.FlagSet
	examples []platform.Example
	sections []section
	placed   map[string]bool // flags already in a section
	hidden   map[string]bool // former names kept working, in no section
}

type section struct {
	title string
	names []string
}

func newUsage(fs *flag.FlagSet) *usage {
	return &usage{fs: fs, placed: map[string]bool{}, hidden: map[string]bool{}}
}

// hide leaves a flag out of --help (a former name kept working).
func (u *usage) hide(name string) { u.placed[name], u.hidden[name] = true, true }

// section puts every flag defined on u.fs since the last section under
// title, and returns their names.
func (u *usage) section(title string) []string {
	var names []string
	u.fs.VisitAll(func(f *flag.Flag) {
		if !u.placed[f.Name] {
			u.placed[f.Name] = true
			names = append(names, f.Name)
		}
	})
	sort.Strings(names)
	u.sections = append(u.sections, section{title: title, names: names})
	return names
}

const (
	helpWidth  = 80 // wrap descriptions within this many columns
	flagIndent = "      "
	exampleCol = 41 // where an example's description starts
)

const helpHead = `partop: watch how a topic's load spreads over its partitions, add
partitions, and see the producer pick them up.

Usage: partop [flags]   (flags take one or two dashes: --topic t, --topic=t)

Examples:
`

const helpFoot = `
Durations are written as 500ms, 5s or 1m30s. Bad flags exit 2; a failure
once partop runs exits 1.
`

// print writes the whole --help to w.
func (u *usage) print(w io.Writer) {
	var b strings.Builder
	b.WriteString(helpHead)
	for _, e := range u.examples {
		line := strings.TrimSpace("  partop " + e.Args)
		line = "  " + line
		if len(line) < exampleCol-1 {
			fmt.Fprintf(&b, "%-*s%s\n", exampleCol, line, e.Does)
		} else {
			fmt.Fprintf(&b, "%s\n%*s%s\n", line, exampleCol, "", e.Does)
		}
	}
	for _, s := range u.sections {
		fmt.Fprintf(&b, "\n%s:\n", s.title)
		for _, name := range s.names {
			writeFlag(&b, u.fs.Lookup(name))
		}
	}
	b.WriteString(helpFoot)
	io.WriteString(w, b.String())
}

// writeFlag writes one flag: its spelling and argument, then what it does
// and its default, wrapped.
func writeFlag(b *strings.Builder, f *flag.Flag) {
	arg, text := flag.UnquoteUsage(f)
	if arg == "value" {
		arg = typeName(f)
	}
	fmt.Fprintf(b, "  --%s", f.Name)
	if arg != "" {
		fmt.Fprintf(b, " %s", arg)
	}
	b.WriteString("\n")
	if def := defaultText(f); def != "" {
		text += " (default " + def + ")"
	}
	for _, line := range wrap(text, helpWidth-len(flagIndent)) {
		b.WriteString(flagIndent + line + "\n")
	}
}

// typeName names the argument of a flag partop defines with its own
// flag.Value.
func typeName(f *flag.Flag) string {
	if g, ok := f.Value.(flag.Getter); ok {
		switch g.Get().(type) {
		case bool:
			return ""
		default:
			if _, ok := f.Value.(*durationFlag); ok {
				return "duration"
			}
		}
	}
	return "value"
}

// defaultText is a flag's default as --help shows it; "" for a zero value,
// whose meaning the flag's text says.
func defaultText(f *flag.Flag) string {
	switch f.DefValue {
	case "", "0", "0s", "false":
		return ""
	}
	if g, ok := f.Value.(flag.Getter); ok {
		if _, isString := g.Get().(string); isString {
			return fmt.Sprintf("%q", f.DefValue)
		}
	}
	return f.DefValue
}

// wrap breaks text into lines of at most width columns, at spaces.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "":
			line = word
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > width:
			lines = append(lines, line)
			line = word
		default:
			line += " " + word
		}
	}
	return append(lines, line)
}
