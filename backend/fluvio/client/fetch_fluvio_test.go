//go:build fluvio

package client_test

import (
	"bytes"
	"testing"
	"time"

	"partop/backend/fluvio/client"
	"partop/backend/fluvio/fluviotest"
)

// TestFirstRecords: FirstRecords finds each partition's first record and
// dates it exactly as Fluvio's own consumer does (Record.timestamp()):
// batches from partop's producer, small and larger than one Fetch's share
// (read again alone), and batches from Fluvio's own producer, uncompressed
// and in every compression it has. A partition with no record yet is
// missing from the answer; one asked at a later offset gets its record
// there.
func TestFirstRecords(t *testing.T) {
	e := fluviotest.EnvT(t)
	c := fluviotest.Dial(t, e)
	name := fluviotest.TopicName("it-firsts")
	fluviotest.CreateTopic(t, c, name, 4)
	ctx := testCtx(t, 2*time.Minute)
	big := bytes.Repeat([]byte("x"), 1000)
	before := time.Now().Truncate(time.Millisecond)
	for range 2 { // two batches each: the first one counts
		batches := map[int32][]client.Record{0: {{Value: []byte("small")}}, 1: nil, 2: nil}
		for range 10 { // 10 KB: more than a partition's share of one Fetch
			batches[1] = append(batches[1], client.Record{Value: big})
			batches[2] = append(batches[2], client.Record{Key: []byte("k"), Value: big})
		}
		res, err := c.ProduceRecords(ctx, name, batches)
		if err != nil {
			t.Fatal(err)
		}
		for p, r := range res {
			if r.Err != nil {
				t.Fatalf("partition %d: %v", p, r.Err)
			}
		}
		time.Sleep(20 * time.Millisecond) // the second batches get later stamps
	}
	got, err := c.FirstRecords(ctx, name, map[int32]int64{0: 0, 1: 0, 2: 0, 3: 0})
	if err != nil {
		t.Fatal(err)
	}
	want := fluviotest.PyFirsts(t, e, name, 4)
	if _, ok := got[3]; ok || len(got) != 3 || len(want) != 3 {
		t.Fatalf("first records %v, Fluvio's consumer %v: want partitions 0-2 (3 has none)", got, want)
	}
	for p, w := range want {
		if g := got[p]; g.Offset != w.Offset || g.Time.UnixMilli() != w.Timestamp || g.Time.Before(before) {
			t.Errorf("partition %d: first record at %d, %v; Fluvio's consumer: at %d, %d ms", p, g.Offset, g.Time, w.Offset, w.Timestamp)
		}
	}
	later, err := c.FirstRecords(ctx, name, map[int32]int64{1: 10})
	if err != nil {
		t.Fatal(err)
	}
	if r := later[1]; r.Offset != 10 || !r.Time.After(got[1].Time) {
		t.Errorf("partition 1 from 10: %+v; from 0 it was %+v", r, got[1])
	}

	for _, codec := range []string{"", "gzip", "snappy", "lz4", "zstd"} {
		topic := fluviotest.TopicName("it-firsts-py" + codec)
		fluviotest.CreateTopic(t, c, topic, 1)
		var sent fluviotest.PyProduced
		if codec == "" {
			sent = fluviotest.PyProduce(t, e, topic, 500, 0.3, 0)()
		} else {
			sent = fluviotest.PyProduceCompressed(t, e, topic, 500, 0.3, codec)()
		}
		if sent.Errors != 0 || sent.Sent == 0 {
			t.Fatalf("%s: Fluvio's producer sent %d, %d errors", codec, sent.Sent, sent.Errors)
		}
		got, err := c.FirstRecords(ctx, topic, map[int32]int64{0: 0})
		if err != nil {
			t.Fatal(err)
		}
		w := fluviotest.PyFirsts(t, e, topic, 1)[0]
		if g, ok := got[0]; !ok || g.Offset != w.Offset || g.Time.UnixMilli() != w.Timestamp {
			t.Errorf("Fluvio's producer, compression %q: first record %+v; Fluvio's consumer: at %d, %d ms", codec, got[0], w.Offset, w.Timestamp)
		}
		if sent := time.UnixMilli(int64(sent.Start * 1000)); got[0].Time.Before(sent.Add(-time.Second)) {
			t.Errorf("compression %q: first record stamped %v, Fluvio's producer started at %v", codec, got[0].Time, sent)
		}
		fluviotest.Figure(t, "first record, Fluvio's producer "+codec, "at %d, %s, as its consumer reads it",
			w.Offset, got[0].Time.Format("15:04:05.000"))
	}
}

// TestTailRecords: TailRecords reads back every record partop's producer
// wrote, keys as written (none, empty, some), from an offset inside a
// batch; and every record Fluvio's own producer wrote, in every
// compression it has.
func TestTailRecords(t *testing.T) {
	e := fluviotest.EnvT(t)
	c := fluviotest.Dial(t, e)
	name := fluviotest.TopicName("it-tails")
	fluviotest.CreateTopic(t, c, name, 2)
	ctx := testCtx(t, 2*time.Minute)
	written := []client.Record{{Value: []byte("none")}, {Key: []byte{}, Value: []byte("empty")}, {Key: []byte("k"), Value: []byte("some!")}}
	for range 3 { // three batches of three
		res, err := c.ProduceRecords(ctx, name, map[int32][]client.Record{0: written})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Err != nil {
			t.Fatal(res[0].Err)
		}
	}
	got, err := c.TailRecords(ctx, name, map[int32]int64{0: 4, 1: 0}, 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	tail := got[0]
	if len(tail.Records) != 5 || tail.Batches != 2 || tail.BatchRecords != 6 || len(got[1].Records) != 0 {
		t.Fatalf("from 4: %d records in %d batches of %d (partition 1: %+v), want 5 in 2 of 6", len(tail.Records), tail.Batches, tail.BatchRecords, got[1])
	}
	for i, r := range tail.Records {
		w := written[(i+4)%3]
		if r.Offset != int64(i+4) || !bytes.Equal(r.Key, w.Key) || (r.Key == nil) != (w.Key == nil) || r.ValueBytes != len(w.Value) {
			t.Errorf("record %d: %+v, want key %q (nil %v), %d value bytes", i+4, r, w.Key, w.Key == nil, len(w.Value))
		}
	}
	for _, codec := range []string{"gzip", "snappy", "lz4", "zstd"} {
		topic := fluviotest.TopicName("it-tails-py" + codec)
		fluviotest.CreateTopic(t, c, topic, 1)
		sent := fluviotest.PyProduceCompressed(t, e, topic, 500, 0.3, codec)()
		if sent.Errors != 0 || sent.Sent == 0 {
			t.Fatalf("%s: Fluvio's producer sent %d, %d errors", codec, sent.Sent, sent.Errors)
		}
		got, err := c.TailRecords(ctx, topic, map[int32]int64{0: 0}, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(got[0].Records); n != sent.Sent {
			t.Errorf("compression %s: read %d records, Fluvio's producer wrote %d", codec, n, sent.Sent)
		}
	}
}
