package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"strings"
	"testing"
	"time"
)

// TestTopicsViewOfAnotherPartop is issue 22's headless check: a partop
// producing on its own embedded cluster, and a second partop with
// --observe and no --topic against it: the topics view lists topic
// partop with the rate the host acknowledged (within 5%), and brokers
// whose leaders add up to its partitions.
func TestTopicsViewOfAnotherPartop(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	hout := &lineWriter{first: make(chan struct{})}
	var herrs bytes.Buffer
	host := make(chan int, 1)
	go func() {
		host <- run([]string{"--headless", "--duration", "9s", "--port", fmt.Sprint(port), "--rate", "1000"}, hout, &herrs)
	}()
	select {
	case <-hout.first:
	case <-time.After(20 * time.Second):
		t.Fatal("no line from the host partop")
	}
	var oout, oerrs bytes.Buffer
	if code := run([]string{"--observe", "--brokers", fmt.Sprintf("127.0.0.1:%d", port), "--headless", "--duration", "5500ms", "--poll-interval", "1s"}, &oout, &oerrs); code != 0 {
		t.Fatalf("observer exit %d: %s", code, oerrs.String())
	}
	if code := <-host; code != 0 {
		t.Fatalf("host exit %d: %s", code, herrs.String())
	}
	type topicLine struct {
		Topic      string  `json:"topic"`
		Partitions int     `json:"partitions"`
		Rate       float64 `json:"rate"`
		Groups     *int    `json:"groups"`
		LagGroup   string  `json:"lag_group"`
	}
	type clusterLine struct {
		Mode       string      `json:"mode"`
		Time       string      `json:"time"`
		RatesKnown bool        `json:"rates_known"`
		Topics     []topicLine `json:"topics"`
		Brokers    []struct {
			Leaders int `json:"leaders"`
		} `json:"brokers"`
	}
	var observed, rated int
	sawGroup := false
	var rateSum float64
	for _, l := range strings.Split(strings.TrimSpace(oout.String()), "\n") {
		var c clusterLine
		if err := json.Unmarshal([]byte(l), &c); err != nil || c.Mode != "cluster" {
			t.Fatalf("not a topics view line: %q (%v)", l, err)
		}
		observed++
		var tp *topicLine
		for i := range c.Topics {
			if c.Topics[i].Topic == "partop" {
				tp = &c.Topics[i]
			}
		}
		if tp == nil {
			t.Fatalf("topic partop missing from %q", l)
		}
		leaders := 0
		for _, b := range c.Brokers {
			leaders += b.Leaders
		}
		if leaders != tp.Partitions || len(c.Brokers) == 0 {
			t.Errorf("brokers lead %d partitions in all, the topic has %d: %q", leaders, tp.Partitions, l)
		}
		// The host runs its own consumer group, partop, on the embedded
		// cluster: once it has committed, the topic has it.
		if tp.Groups == nil {
			t.Errorf("no groups figure: %q", l)
		} else if *tp.Groups > 0 {
			sawGroup = sawGroup || tp.LagGroup == "partop"
		}
		if c.RatesKnown {
			rated++
			rateSum += tp.Rate
		}
	}
	if rated < 3 {
		t.Fatalf("%d lines with rates of %d, want at least 3 (a census a second for 5.5 s)", rated, observed)
	}
	if !sawGroup {
		t.Errorf("the host's consumer group partop never showed on topic partop")
	}
	// The host's own acknowledged rate over its run's steady part: its
	// acked count at the end over the time it sent (from its summary).
	hostRate := steadyRate(t, &hout.buf)
	if got := rateSum / float64(rated); math.Abs(got-hostRate) > 0.05*hostRate {
		t.Errorf("topics view rate %.1f/s, the host acknowledged %.1f/s: more than 5%% apart", got, hostRate)
	}
}

// steadyRate is the mean of a headless run's "rate" over its lines from
// the third on (the first ones ramp up).
func steadyRate(t *testing.T, b *bytes.Buffer) float64 {
	t.Helper()
	var sum float64
	n := 0
	for i, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var m struct {
			Summary bool    `json:"summary"`
			Rate    float64 `json:"rate"`
		}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		if i >= 2 && !m.Summary {
			sum += m.Rate
			n++
		}
	}
	if n == 0 {
		t.Fatal("the host printed too few lines")
	}
	return sum / float64(n)
}

// freePort is a TCP port nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
