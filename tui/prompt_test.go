package tui

import (
	"strings"
	"testing"

	"partop/engine"
	"partop/rules"
)

// TestPromptRejectsInvalidInput types each bad input, presses Enter, and
// checks the error is on screen, the prompt stays open and nothing reached
// the engine.
func TestPromptRejectsInvalidInput(t *testing.T) {
	cases := []struct{ input, want string }{
		{"0", "add at least 1 partition"},
		{"-2", "add at least 1 partition"},
		{"abc", `"abc" is not a whole number`},
		{"4.5", `"4.5" is not a whole number`},
		{"=", "type a number after ="},
		{"=4", "the topic has 8 partitions"}, // shrinking
		{"=8", "the topic has 8 partitions"}, // keeping the count
		{"=20000", "over partop's limit of 10000"},
		{"20000", "over partop's limit of 10000"},
		{"9995", "over partop's limit of 10000"}, // 8 + 9995
	}
	for _, tc := range cases {
		t.Run(tc.input, func(t *testing.T) {
			eng := fixture(midExpansion, 8)
			m := newTestModel(eng, 120, 40)
			press(m, "a")
			typeText(m, tc.input)
			if s := screen(m); !strings.Contains(promptError(s), tc.want) {
				t.Fatalf("after typing %q the prompt shows no error %q:\n%s", tc.input, tc.want, s)
			}
			if cmd := press(m, "enter"); cmd != nil {
				run(m, cmd)
			}
			if got := eng.appliedActions(); len(got) != 0 {
				t.Fatalf("Enter on %q applied %v; invalid input must never reach the cluster", tc.input, got)
			}
			s := screen(m)
			if !strings.Contains(s, "add partitions › "+tc.input) || !strings.Contains(promptError(s), tc.want) {
				t.Fatalf("after Enter on %q the prompt closed or lost its error:\n%s", tc.input, s)
			}
			press(m, "esc")
			if s := screen(m); strings.Contains(s, "add partitions ›") {
				t.Fatalf("Esc did not close the prompt:\n%s", s)
			}
			if got := eng.appliedActions(); len(got) != 0 {
				t.Fatalf("Esc applied %v", got)
			}
		})
	}
}

// TestPromptSendsTheAction checks what a valid input asks the engine to do.
func TestPromptSendsTheAction(t *testing.T) {
	cases := []struct {
		input   string
		want    engine.Action
		preview string
	}{
		{"4", engine.Action{Kind: engine.ActAdd, N: 4}, "8 → 12 partitions (+4)"},
		{"+4", engine.Action{Kind: engine.ActAdd, N: 4}, "8 → 12 partitions (+4)"},
		{" 4 ", engine.Action{Kind: engine.ActAdd, N: 4}, "8 → 12 partitions (+4)"},
		{"=12", engine.Action{Kind: engine.ActSetTotal, N: 12}, "8 → 12 partitions (+4)"},
		{"", engine.Action{Kind: engine.ActAdd, N: 1}, "8 → 9 partitions (+1)"},
		{"=10000", engine.Action{Kind: engine.ActSetTotal, N: 10000}, "8 → 10000 partitions (+9992)"},
	}
	for _, tc := range cases {
		t.Run("input="+tc.input, func(t *testing.T) {
			eng := fixture(midExpansion, 8)
			m := newTestModel(eng, 120, 40)
			press(m, "a")
			typeText(m, tc.input)
			if s := screen(m); !strings.Contains(s, tc.preview) || promptError(s) != "" {
				t.Fatalf("typing %q: want preview %q and no error:\n%s", tc.input, tc.preview, s)
			}
			cmd := press(m, "enter")
			if s := screen(m); !strings.Contains(s, "…") || strings.Contains(s, "add partitions ›") {
				t.Fatalf("after Enter the prompt should close and the status say what runs:\n%s", s)
			}
			if len(eng.appliedActions()) != 0 {
				t.Fatal("the action ran inside Update; it must run in a tea.Cmd")
			}
			run(m, cmd)
			got := eng.appliedActions()
			if len(got) != 1 || got[0] != tc.want {
				t.Fatalf("applied %v, want [%v]", got, tc.want)
			}
			if s := screen(m); !strings.Contains(s, "partitions added") {
				t.Fatalf("no outcome on the status line:\n%s", s)
			}
		})
	}
}

// TestPromptShowsAdminErrors checks that a failed admin call comes back as
// an error on the status line, and that a second add waits for the first.
func TestPromptShowsAdminErrors(t *testing.T) {
	eng := fixture(midExpansion, 8)
	eng.applyFn = func(engine.Action) error {
		return errAuth
	}
	m := newTestModel(eng, 120, 40)
	press(m, "a")
	typeText(m, "2")
	cmd := press(m, "enter")
	if s := screen(m); !strings.Contains(s, "adding 2 partitions (8 → 10)…") {
		t.Fatalf("no in-flight message:\n%s", s)
	}
	press(m, "a")
	if s := screen(m); strings.Contains(s, "add partitions ›") || !strings.Contains(s, "being added already") {
		t.Fatalf("a second add while one is in flight should be refused:\n%s", s)
	}
	run(m, cmd)
	if s := screen(m); !strings.Contains(strings.ReplaceAll(s, "\n", " "), "✗ adding partitions failed: "+errAuth.Error()) {
		t.Fatalf("admin error not shown:\n%s", s)
	}
	press(m, "a") // allowed again once the first ended
	if s := screen(m); !strings.Contains(s, "add partitions ›") {
		t.Fatalf("the prompt should open again after the call ended:\n%s", s)
	}
}

// TestParseAdd covers the prompt grammar without a screen.
func TestParseAdd(t *testing.T) {
	for _, tc := range []struct {
		in      string
		current int
		want    engine.Action
		wantErr bool
	}{
		{"1", 1, engine.Action{Kind: engine.ActAdd, N: 1}, false},
		{"+9999", 1, engine.Action{Kind: engine.ActAdd, N: 9999}, false},
		{"+10000", 1, engine.Action{}, true},
		{"=2", 1, engine.Action{Kind: engine.ActSetTotal, N: 2}, false},
		{"= 6", 4, engine.Action{Kind: engine.ActSetTotal, N: 6}, false},
		{"=-3", 4, engine.Action{}, true},
		{"++4", 4, engine.Action{}, true},
		{"=+6", 4, engine.Action{}, true},
		{"99999999999999999999", 4, engine.Action{}, true},
	} {
		got, err := parseAdd(rules.Kafka, tc.in, tc.current)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("parseAdd(%q, %d) = %v, %v; want %v, error %v", tc.in, tc.current, got, err, tc.want, tc.wantErr)
		}
	}
}

// TestParseAddNamesPlatform: a refusal names the platform the dashboard
// runs on, not Kafka everywhere.
func TestParseAddNamesPlatform(t *testing.T) {
	for platform, want := range map[string]string{
		rules.Kafka:  "Kafka cannot remove partitions",
		rules.Fluvio: "Fluvio cannot remove partitions",
	} {
		if _, err := parseAdd(platform, "0", 4); err == nil || !strings.HasSuffix(err.Error(), want) {
			t.Errorf("%s: parseAdd(0) error %v, want it to end %q", platform, err, want)
		}
	}
}

// promptError is the error under the prompt line on a screen, "" if none.
func promptError(screen string) string {
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		if strings.Contains(l, "add partitions ›") && i+1 < len(lines) {
			if e, ok := strings.CutPrefix(lines[i+1], "✗ "); ok {
				if i+2 < len(lines) && !strings.Contains(lines[i+2], "enter add") {
					e += " " + lines[i+2] // wrapped onto a second line
				}
				return e
			}
		}
	}
	return ""
}
