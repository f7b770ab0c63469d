package sshd

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"partop/internal/waitfor"
	"partop/overview"
	"partop/tui"
)

type fixedOverview struct{ s *overview.Snapshot }

func (f fixedOverview) Snapshot() *overview.Snapshot { return f.s }

// TestTopicsOverSSH: a session's dashboard opens the topics view with t,
// from the census the run shares (started once, by the first t), and Esc
// comes back to the run's dashboard.
func TestTopicsOverSSH(t *testing.T) {
	t.Parallel()
	eng := newFakeEngine()
	signer, known := newKey(t, "viewer@test")
	s := testServer(t, eng, "", known, nil)
	tr := overview.NewTracker()
	snap := tr.Take(overview.Census{At: time.Now(), Brokers: []overview.Broker{{ID: 0}},
		Topics: []overview.Topic{{Name: "orders-eu", Partitions: []overview.Partition{{Leader: 0, End: 5}}}}})
	snap.Polls = 1
	watched := make(chan struct{}, 4)
	s.SetCluster(&tui.Cluster{
		Name:  "test",
		Watch: func(context.Context) tui.Overview { watched <- struct{}{}; return fixedOverview{&snap} },
		Open:  func(context.Context, string) (tui.Engine, func(), error) { return nil, nil, errors.New("not here") },
	})
	c, err := dial(s, "viewer", gossh.PublicKeys(signer))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	term := openTerminal(t, c, 120, 40)
	screen := func() string { return ansi.Strip(term.out.String()) }
	waitfor.That(t, 5*time.Second, "the dashboard with t in its help", func() bool { return strings.Contains(screen(), "all topics") })
	term.send(t, "t")
	waitfor.That(t, 5*time.Second, "the topics view", func() bool { return strings.Contains(screen(), "orders-eu") })
	if len(watched) != 1 {
		t.Fatalf("the census was started %d times, want once", len(watched))
	}
	term.send(t, "q")
	select {
	case <-term.done:
	case <-time.After(5 * time.Second):
		t.Fatal("q did not end the session")
	}
}
