//go:build fluvio

package e2e

import (
	"testing"
	"time"

	ft "partop/backend/fluvio/fluviotest"
)

// TestObserveSamplesFluvioKeys: partop --fluvio --observe samples the
// records Fluvio's own producer writes with 100 keys to 4 partitions and
// names its placement: siphash, explaining every keyed record.
func TestObserveSamplesFluvioKeys(t *testing.T) {
	e := ft.EnvT(t)
	c := ft.Dial(t, e)
	topic := ft.TopicName("e2e-sample")
	ft.CreateTopic(t, c, topic, 4)
	p := start(t, "--fluvio", e.SC, "--topic", topic, "--observe", "--headless", "--observe-interval", "250ms")
	p.waitLine(t, 10*time.Second, "a first line", func(l line) bool { return l.Mode == "observe" })
	wait := ft.PyProduce(t, e, topic, 1000, 8, 100)
	l := p.waitLine(t, 20*time.Second, "keys sampled from every partition", func(l line) bool {
		return l.Keys != nil && l.Keys.Sampled >= 400
	})
	if l.Keys.Partitioner != "siphash" || l.Keys.Explained != 1 {
		t.Errorf("keys %+v: want siphash explaining 1", *l.Keys)
	}
	produced := wait()
	p.interrupt()
	sum, code := p.finish(t, 15*time.Second)
	if code != 0 {
		t.Errorf("exit code %d; stderr:\n%s", code, p.errText())
	}
	if sum.Keys != nil && (sum.Keys.Partitioner != "siphash" || sum.Keys.Explained != 1) {
		t.Errorf("summary keys %+v: want siphash explaining 1", *sum.Keys)
	}
	ft.Figure(t, "binary observe mode: keys of Fluvio's producer", "%s explaining %.3f of %d sampled (%d written)", l.Keys.Partitioner, l.Keys.Explained, l.Keys.Sampled, produced.Sent)
}
