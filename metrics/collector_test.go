package metrics

import (
	"net/http"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"partop/engine"
	"partop/internal/waitfor"
	"partop/keys"
	"partop/rules"
	"partop/source"
	"partop/stats"
)

// stepEngine serves whatever snapshot the test sets.
type stepEngine struct {
	mu   sync.Mutex
	snap *engine.Snapshot
	done chan struct{}
}

func (e *stepEngine) Snapshot() *engine.Snapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.snap
}

func (e *stepEngine) Done() <-chan struct{} { return e.done }

func (e *stepEngine) set(s *engine.Snapshot) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s.Seq = e.snap.Seq + 1
	e.snap = s
}

func snapshot(pickups ...engine.Pickup) *engine.Snapshot {
	return &engine.Snapshot{
		Info: engine.Info{Topic: "orders", Tick: 10 * time.Millisecond},
		Stats: stats.Snapshot{
			Partitions: []stats.Partition{{ID: 0, Acked: 10, Errors: 1}, {ID: 1, Acked: 20}},
			Unrouted:   3,
		},
		TopicState: engine.TopicState{Partitions: 2, Cluster: 4, MetadataRequests: 7},
		Pickups:    pickups,
		TargetRate: 500, Sending: true, Paused: true,
	}
}

// pickup is the engine's pickup id of expansion exp by partop's producer
// (group empty) or by a consumer group.
func pickup(id, exp uint64, group string, latency time.Duration) engine.Pickup {
	return engine.Pickup{ID: id, Expansion: exp, By: engine.ByPartop, Group: group, Latency: latency}
}

// scrape serves c over real HTTP and parses the answer with Prometheus'
// own text parser.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("not the exposition format: %v", err)
	}
	return fams
}

// value finds the sample with the given labels (name=value pairs).
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("no %s", name)
	}
next:
	for _, m := range f.GetMetric() {
		for i := 0; i < len(labels); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch f.GetType() {
		case dto.MetricType_COUNTER:
			return m.GetCounter().GetValue()
		case dto.MetricType_GAUGE:
			return m.GetGauge().GetValue()
		case dto.MetricType_HISTOGRAM:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	t.Fatalf("no %s%v", name, labels)
	return 0
}

func serve(t *testing.T, eng Running) string {
	t.Helper()
	s, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Serve(eng)
	t.Cleanup(s.Close)
	return "http://" + s.Addr().String() + "/metrics"
}

// TestSeries: every series reads the snapshot, with types Prometheus
// sees as counters and gauges.
func TestSeries(t *testing.T) {
	eng := &stepEngine{snap: snapshot(), done: make(chan struct{})}
	fams := scrape(t, serve(t, eng))
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
		typ    dto.MetricType
	}{
		{"partop_records_acked_total", []string{"topic", "orders", "partition", "0"}, 10, dto.MetricType_COUNTER},
		{"partop_records_acked_total", []string{"partition", "1"}, 20, dto.MetricType_COUNTER},
		{"partop_record_errors_total", []string{"partition", "0"}, 1, dto.MetricType_COUNTER},
		{"partop_record_errors_unrouted_total", []string{"topic", "orders"}, 3, dto.MetricType_COUNTER},
		{"partop_topic_partitions", []string{"topic", "orders"}, 4, dto.MetricType_GAUGE},
		{"partop_producer_partitions", []string{"topic", "orders"}, 2, dto.MetricType_GAUGE},
		{"partop_target_rate", nil, 500, dto.MetricType_GAUGE},
		{"partop_paused", nil, 1, dto.MetricType_GAUGE},
		{"partop_metadata_requests_total", nil, 7, dto.MetricType_COUNTER},
	} {
		if got := value(t, fams, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
		if typ := fams[c.name].GetType(); typ != c.typ {
			t.Errorf("%s is a %s, want %s", c.name, typ, c.typ)
		}
	}
	for _, by := range []string{"partop", "external"} {
		if n := value(t, fams, "partop_expansion_pickup_seconds", "topic", "orders", "by", by); n != 0 {
			t.Errorf("pickups by %s: %v before any expansion, want a series at 0", by, n)
		}
	}
	if _, ok := fams["process_cpu_seconds_total"]; !ok {
		t.Error("no process metrics: partop's CPU is worth watching")
	}
}

// TestObserveMode: with no sender there is no rate or pause to report.
func TestObserveMode(t *testing.T) {
	s := snapshot()
	s.Sending, s.Mode = false, engine.ModeObserve
	s.TopicState.EndOffsets = []int64{1200, 3400, -1}
	s.Producers = source.Producers{At: time.Now(), List: []source.Producer{
		{ID: 1, State: source.ProducerStale}, {ID: 2, State: source.ProducerAdopted}, {ID: 3, State: source.ProducerAdopted},
	}}
	eng := &stepEngine{snap: s, done: make(chan struct{})}
	fams := scrape(t, serve(t, eng))
	for _, name := range []string{"partop_target_rate", "partop_paused"} {
		if _, ok := fams[name]; ok {
			t.Errorf("%s exported in observe mode", name)
		}
	}
	if got := value(t, fams, "partop_partition_end_offset", "partition", "1"); got != 3400 {
		t.Errorf("end offset of partition 1 = %v, want 3400", got)
	}
	if n := len(fams["partop_partition_end_offset"].GetMetric()); n != 2 {
		t.Errorf("%d end offsets exported, want 2 (partition 2's is not known yet)", n)
	}
	for state, want := range map[string]float64{"stale": 1, "adopted": 2, "idle": 0, "active": 0} {
		if got := value(t, fams, "partop_producers", "state", state); got != want {
			t.Errorf("producers %s = %v, want %v", state, got, want)
		}
	}
}

// TestPickupsObservedOnce: a pickup is observed once however often it is
// scraped or synced; one recorded after many scrapes once it is; one that
// left the snapshot after it was observed is not observed again.
func TestPickupsObservedOnce(t *testing.T) {
	a := pickup(1, 3, "", 20*time.Millisecond)
	b := pickup(2, 7, "", 2*time.Second)
	eng := &stepEngine{snap: snapshot(a), done: make(chan struct{})}
	c := NewCollector(eng)
	count := func() (uint64, float64) {
		m := &dto.Metric{}
		if err := c.pickups.hist.WithLabelValues("orders", engine.ByPartop).(interface{ Write(*dto.Metric) error }).Write(m); err != nil {
			t.Fatal(err)
		}
		return m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
	}
	for range 3 {
		c.Sync(eng.Snapshot())
		eng.set(snapshot(a)) // same pickups, new snapshot
	}
	if n, sum := count(); n != 1 || sum != 0.02 {
		t.Fatalf("after repeated syncs: %d observations summing %v, want 1 of 0.02", n, sum)
	}
	eng.set(snapshot(a, b))
	c.Sync(eng.Snapshot())
	c.Sync(eng.Snapshot())
	if n, sum := count(); n != 2 || sum != 2.02 {
		t.Fatalf("after b: %d observations summing %v, want 2 of 2.02", n, sum)
	}
	eng.set(snapshot(b)) // a left the snapshot's list
	c.Sync(eng.Snapshot())
	if n, _ := count(); n != 2 {
		t.Fatalf("%d observations after the list dropped a, want 2", n)
	}
}

// TestServerFollowsTicks: the server syncs between scrapes, so a pickup
// that leaves the snapshot before the next scrape is still counted.
func TestServerFollowsTicks(t *testing.T) {
	eng := &stepEngine{snap: snapshot(), done: make(chan struct{})}
	s, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Serve(eng)
	defer s.Close()
	eng.set(snapshot(pickup(1, 1, "", 30*time.Millisecond)))
	waitfor.That(t, 5*time.Second, "the server's sync at a 10ms tick", func() bool {
		s.collector.pickups.mu.Lock()
		defer s.collector.pickups.mu.Unlock()
		return s.collector.pickups.last == 1
	})
	eng.set(snapshot()) // gone before anyone scraped
	fams := scrape(t, "http://"+s.Addr().String()+"/metrics")
	if n := value(t, fams, "partop_expansion_pickup_seconds", "by", "partop"); n != 1 {
		t.Fatalf("%v pickups, want the one that left the snapshot before the scrape", n)
	}
}

// TestGroups: every group's lag per partition and assigned partitions,
// partop's consumer's reads, and the assignment delay of each group after
// an expansion, observed once, and only once assigned.
func TestGroups(t *testing.T) {
	seen := time.Now()
	// billing is still waiting for its assignment: the engine has recorded
	// no pickup by it.
	exp := []engine.Pickup{pickup(1, 1, "", 10*time.Millisecond), pickup(2, 1, "partop", 1200*time.Millisecond)}
	s := snapshot(exp...)
	s.Group = "partop"
	s.Reads = stats.Snapshot{Partitions: []stats.Partition{{ID: 0, Acked: 7}, {ID: 1, Acked: 9}}}
	s.Groups = source.Groups{At: seen, List: []source.Group{{Name: "billing", Protocol: rules.ProtocolClassic, Partitions: []source.GroupPartition{
		{Partition: 0, Assigned: true, Committed: 40, End: 50, Lag: 10},
		{Partition: 3, Assigned: true, Committed: -1, End: 8, Lag: 8, NoCommit: true},
		{Partition: 1, Committed: 5, End: -1},
	}}}}
	eng := &stepEngine{snap: s, done: make(chan struct{})}
	url := serve(t, eng)
	fams := scrape(t, url)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"partop_group_lag", []string{"group", "billing", "partition", "0"}, 10},
		{"partop_group_lag", []string{"group", "billing", "partition", "3"}, 8},
		{"partop_group_partitions_assigned", []string{"group", "billing", "topic", "orders"}, 2},
		{"partop_consumer_records_read_total", []string{"group", "partop", "partition", "1"}, 9},
		{"partop_group_assignment_delay_seconds", []string{"group", "partop"}, 1},
	} {
		if got := value(t, fams, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if n := len(fams["partop_group_lag"].GetMetric()); n != 2 {
		t.Errorf("%d lag series: a partition with no known end offset has none", n)
	}
	for _, m := range fams["partop_group_assignment_delay_seconds"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetValue() == "billing" {
				t.Error("a group still waiting for its assignment was observed")
			}
		}
	}
	eng.set(snapshot(exp...)) // the same pickups again: not observed twice
	if got := value(t, scrape(t, url), "partop_group_assignment_delay_seconds", "group", "partop"); got != 1 {
		t.Errorf("assignment delay observed %v times", got)
	}
}

// TestKeysAndPrediction: the bytes partop's producer sent, the share the
// partitioner found explains, and the latest expansion's predicted and
// measured Jain.
func TestKeysAndPrediction(t *testing.T) {
	s := snapshot()
	s.Stats.Partitions[1].Bytes = 2048
	s.KeyAnalysis = keys.Analysis{Partitioner: keys.Murmur2, Explained: 0.98, Keyed: 50}
	older := &engine.Prediction{}
	older.Jain = 0.5
	latest := &engine.Prediction{Measured: true, MeasuredJain: 0.77}
	latest.Jain = 0.78
	s.Events = []engine.Event{{Kind: engine.KindExpansion, To: 4, Prediction: older}, {Kind: engine.KindInfo}, {Kind: engine.KindExpansion, To: 8, Prediction: latest}}
	eng := &stepEngine{snap: s, done: make(chan struct{})}
	fams := scrape(t, serve(t, eng))
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"partop_bytes_acked_total", []string{"topic", "orders", "partition", "1"}, 2048},
		{"partop_keys_explained_ratio", []string{"topic", "orders", "partitioner", "murmur2"}, 0.98},
		{"partop_expansion_jain", []string{"partitions", "8", "figure", "predicted"}, 0.78},
		{"partop_expansion_jain", []string{"partitions", "8", "figure", "measured"}, 0.77},
	} {
		if got := value(t, fams, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if n := len(fams["partop_expansion_jain"].GetMetric()); n != 2 {
		t.Errorf("%d partop_expansion_jain series, want the latest expansion's 2", n)
	}
}
