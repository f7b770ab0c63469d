package cmdline

import (
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"

	"partop/cmdline/platform"
	"partop/rules"
)

// fake is a platform as a new backend would add one: its own flag, rules,
// refusal and --consume default, and nothing in cmdline that names it.
type fake struct {
	observes bool // it has an observe mode
	name     string
	addr     string
	checked  bool
	consume  bool
}

func (f *fake) Rules() rules.Platform {
	return rules.Platform{Name: f.name, Partitioners: []string{rules.RoundRobin}, TopicName: func(n string) error {
		if n == "refused" {
			return errors.New("not on " + f.name)
		}
		return nil
	}}
}

func (f *fake) DefineFlags(fs *flag.FlagSet) platform.Usage {
	fs.StringVar(&f.addr, strings.ToLower(f.name), "", "a "+f.name+" cluster")
	return platform.Usage{Title: f.name + " clusters", Examples: []platform.Example{{Args: "--" + strings.ToLower(f.name) + " h:1", Does: "on " + f.name}}}
}

func (f *fake) Check(c platform.Common) error {
	f.checked = true
	if c.Observe && !f.observes {
		return errors.New("--observe: " + f.name + " cannot")
	}
	return nil
}

func (f *fake) ConsumeDefault(platform.Common) bool { return f.consume }

func (f *fake) Open(context.Context, platform.Common, io.Writer) (platform.Backend, error) {
	return nil, errors.New("not opened in tests")
}

func fakes() []platform.Platform {
	return []platform.Platform{&fake{name: "Alpha", consume: true}, &fake{name: "Beta"}, &fake{name: "Gamma"}}
}

// TestThirdPlatform: a platform's flags choose it, its rules and checks
// apply, its --consume default is used, and --help shows it, with cmdline
// knowing none of them.
func TestThirdPlatform(t *testing.T) {
	o, err := Parse([]string{"--gamma", "h:1", "--partitioner", "round-robin"}, io.Discard, fakes()...)
	if err != nil {
		t.Fatal(err)
	}
	g := o.Platform.(*fake)
	if g.name != "Gamma" || g.addr != "h:1" || !g.checked || o.Consume {
		t.Fatalf("chosen %+v, consume %v", g, o.Consume)
	}
	if o, err := Parse(nil, io.Discard, fakes()...); err != nil || o.Platform.(*fake).name != "Alpha" || !o.Consume {
		t.Fatalf("no platform's flags: %+v, %v; want the first, consuming", o.Platform, err)
	}
	for args, want := range map[string]string{
		"--gamma h:1 --topic refused":        "--topic: not on Gamma",
		"--gamma h:1 --observe":              "--observe: Gamma cannot",
		"--gamma h:1 --beta h:2":             "--beta with --gamma: --beta is Beta's, --gamma is Gamma's; partop runs on one cluster at a time",
		"--gamma h:1 --partitioner key-hash": "--partitioner: partitioner key-hash is not available on Gamma: use round-robin",
	} {
		if _, err := Parse(strings.Fields(args), io.Discard, fakes()...); err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %q", args, err, want)
		}
	}
	var help strings.Builder
	if _, err := Parse([]string{"--help"}, &help, fakes()...); !errors.Is(err, flag.ErrHelp) {
		t.Fatal(err)
	}
	for _, want := range []string{"\nGamma clusters:\n  --gamma string\n", "  partop --gamma h:1 ", "partitioner: round-robin (default \"round-robin\")"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("--help lacks %q:\n%s", want, help.String())
		}
	}
}

// TestHelpListsEveryFlagOnce: each flag defined is in exactly one section,
// but for former names kept working (usage.hide), which are in none.
func TestHelpListsEveryFlagOnce(t *testing.T) {
	var help strings.Builder
	Parse([]string{"--help"}, &help, fakes()...)
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	u := newUsage(fs)
	var o Options
	definePlatforms(u, fakes())
	defineFlags(fs, u, &o, fakes())
	defineServeFlags(fs, u)
	defineRunFlags(fs, u, &o)
	fs.VisitAll(func(f *flag.Flag) {
		want := 1
		if u.hidden[f.Name] {
			want = 0
		}
		if n := strings.Count(help.String(), "\n  --"+f.Name+" ") + strings.Count(help.String(), "\n  --"+f.Name+"\n"); n != want {
			t.Errorf("--%s is listed %d times, want %d", f.Name, n, want)
		}
	})
	if len(u.hidden) == 0 {
		t.Error("no former name hidden: drop the exception")
	}
}
