package cmdline

import (
	"errors"
	"flag"
	"fmt"
	"regexp"
	"time"
)

// durationFlag is a time.Duration flag that knows whether a negative value
// means never, so a value that does not parse is answered with the form
// wanted (flagError).
type durationFlag struct {
	p     *time.Duration
	never bool
}

// durationVar defines a duration flag; never: a negative value means never.
func durationVar(fs *flag.FlagSet, p *time.Duration, name string, value time.Duration, usage string, never bool) {
	*p = value
	fs.Var(&durationFlag{p: p, never: never}, name, usage)
}

func (d *durationFlag) String() string {
	if d.p == nil {
		return "0s"
	}
	return d.p.String()
}

func (d *durationFlag) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("parse error")
	}
	*d.p = v
	return nil
}

func (d *durationFlag) Get() any { return *d.p }

// The flag package's messages for a value that does not parse, and for a
// missing value.
var (
	invalidValue = regexp.MustCompile(`^invalid (?:boolean )?value "(.*)" for (?:flag )?-([^:]+): (.*)$`)
	needsValue   = regexp.MustCompile(`^flag needs an argument: -(.*)$`)
	notDefined   = regexp.MustCompile(`^flag provided but not defined: -(.*)$`)
)

// flagError rewrites the flag package's wording ("invalid value "x" for
// flag -tick: parse error") into partop's: the flag as users type it, and
// what it wants.
func flagError(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	if m := notDefined.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("unknown flag --%s (see partop --help)", m[1])
	}
	if m := needsValue.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("--%s needs a value (see partop --help)", m[1])
	}
	m := invalidValue.FindStringSubmatch(msg)
	if m == nil {
		return fmt.Errorf("%s (see partop --help)", msg)
	}
	value, name, why := m[1], m[2], m[3]
	f := fs.Lookup(name)
	if _, ok := f.Value.(atFlag); ok {
		return errors.New(why) // --at's own message names --at
	}
	return fmt.Errorf("--%s: %q %s", name, value, wanted(f, why))
}

// wanted says what a flag's value should have been, by the flag's type.
func wanted(f *flag.Flag, why string) string {
	if why == "value out of range" {
		return "is out of range"
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return "is not valid: " + why
	}
	switch g.Get().(type) {
	case time.Duration:
		s := "is not a duration: use a form such as 5s or 500ms"
		if d, ok := f.Value.(*durationFlag); ok && d.never {
			s += " (-1s for never)"
		}
		return s
	case bool:
		return "is not true or false"
	case int, int64, uint, uint64:
		return "is not a whole number"
	case float64:
		return "is not a number"
	}
	return "is not valid: " + why
}
