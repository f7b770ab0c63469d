package metrics

import (
	"testing"
	"time"

	"partop/overview"
)

type fixedOverview struct{ s *overview.Snapshot }

func (f fixedOverview) Snapshot() *overview.Snapshot { return f.s }

// TestClusterSeries: the topics view's series over real HTTP: records as
// a counter of end offsets, the balance figures and broker figures from
// the census; no balance figure for a topic without traffic.
func TestClusterSeries(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	census := func(sec int, ends ...int64) overview.Census {
		c := overview.Census{At: t0.Add(time.Duration(sec) * time.Second), Brokers: []overview.Broker{{ID: 0, Rack: "a"}, {ID: 1, Rack: "b"}}}
		var parts []overview.Partition
		for p, e := range ends {
			parts = append(parts, overview.Partition{Leader: int32(p % 2), Replicas: []int32{0, 1}, End: e})
		}
		c.Topics = []overview.Topic{{Name: "idle", Partitions: []overview.Partition{{Leader: 1, Replicas: []int32{1}, End: 9}}}, {Name: "orders", Partitions: parts}}
		return c
	}
	tr := overview.NewTracker()
	tr.Take(census(0, 0, 0, 0))
	s := tr.Take(census(2, 400, 100, 100))
	s.Polls = 2
	srv, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.ServeCluster(fixedOverview{&s}, nil)
	fams := scrape(t, "http://"+srv.Addr().String()+"/metrics")
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"partop_topic_records_total", []string{"topic", "orders"}, 600},
		{"partop_topic_records_total", []string{"topic", "idle"}, 9},
		{"partop_topic_partitions", []string{"topic", "orders"}, 3},
		{"partop_topic_max_mean", []string{"topic", "orders"}, 2}, // 200 of a mean of 100
		{"partop_topic_uneven_records_per_second", []string{"topic", "orders"}, 100},
		{"partop_broker_leaders", []string{"broker", "0", "rack", "a"}, 2}, // orders 0 and 2
		{"partop_broker_led_records_per_second", []string{"broker", "0", "rack", "a"}, 250},
		{"partop_broker_replicas", []string{"broker", "1", "rack", "b"}, 4},
	} {
		if got := value(t, fams, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	for _, m := range fams["partop_topic_jain"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetValue() == "idle" {
				t.Errorf("a topic without traffic has a Jain's index")
			}
		}
	}
}

// TestClusterSeriesPattern: with a --topic pattern, the per-topic series
// are the matching topics' only, as the view lists them.
func TestClusterSeriesPattern(t *testing.T) {
	tr := overview.NewTracker()
	s := tr.Take(overview.Census{At: time.Now(), Brokers: []overview.Broker{{ID: 0}}, Topics: []overview.Topic{
		{Name: "audit", Partitions: []overview.Partition{{Leader: 0, End: 3}}},
		{Name: "orders", Partitions: []overview.Partition{{Leader: 0, End: 7}}},
	}})
	srv, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.ServeCluster(fixedOverview{&s}, func(name string) bool { return name == "orders" })
	fams := scrape(t, "http://"+srv.Addr().String()+"/metrics")
	if got := fams["partop_topic_records_total"].GetMetric(); len(got) != 1 || value(t, fams, "partop_topic_records_total", "topic", "orders") != 7 {
		t.Fatalf("records series %v, want orders' only", got)
	}
	if value(t, fams, "partop_broker_leaders", "broker", "0", "rack", "") != 2 {
		t.Errorf("the brokers' series should stay the cluster's")
	}
}
