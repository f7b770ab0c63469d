//go:build fluvio && capture

package client

import (
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCaptureResponses records real SC and SPU response bodies into
// testdata/, for the decoding tests that run without a server
// (decode_test.go). It is built only with the capture tag, and run on a
// fresh cluster, because the captured lists include every topic:
//
//	scripts/fluvio.sh start && eval "$(scripts/fluvio.sh env)"
//	go test -tags fluvio,capture -run Capture ./backend/fluvio/client/
func TestCaptureResponses(t *testing.T) {
	c := dialT(t)
	ctx := testCtx(t, time.Minute)
	const topic = "golden"
	if err := c.CreateTopic(ctx, topic, 2); err != nil && !errors.Is(err, ErrTopicExists) {
		t.Fatal(err)
	}
	captureSC(t, c, topic)
	captureSPU(t, c, topic)
}

// dialT dials the cluster in FLUVIO_SC. It is not fluviotest.Dial because
// this test is inside package fluvio, which fluviotest imports.
func dialT(t *testing.T) *Client {
	t.Helper()
	addr := os.Getenv("FLUVIO_SC")
	if addr == "" {
		t.Fatal(`FLUVIO_SC is not set: run scripts/fluvio.sh start && eval "$(scripts/fluvio.sh env)"`)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// testCtx is a context that ends with the test, bounded to d.
func testCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// save writes a response body to testdata/NAME.hex.
func save(t *testing.T, name string, body []byte, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	path := filepath.Join("testdata", name+".hex")
	if err := os.WriteFile(path, []byte(hex.EncodeToString(body)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func versionsBody() []byte {
	var w writer
	w.str(clientVersion)
	w.str("linux")
	w.str("x86_64")
	return w.b
}

func captureSC(t *testing.T, c *Client, topic string) {
	ctx := testCtx(t, time.Minute)
	sc, err := c.admin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	body, err := sc.roundTrip(ctx, apiVersions, versionsVersion, versionsBody())
	save(t, "sc_api_versions", body, err)

	listReq := func(kind, filter string) func(w *writer, v int16) {
		return func(w *writer, v int16) {
			writeObject(w, kind, func(w *writer) {
				w.count(1)
				w.str(filter)
				w.bool(false)
				w.bool(false)
			})
		}
	}
	body, _, err = sc.call(ctx, apiList, listReq(kindTopic, topic))
	save(t, "list_topic_v19", body, err)
	body, _, err = sc.call(ctx, apiList, listReq(kindPartition, ""))
	save(t, "list_partition_v19", body, err)
	body, _, err = sc.call(ctx, apiList, listReq(kindSPU, ""))
	save(t, "list_spu_v19", body, err)

	var watch writer
	watchRequest(kindPartition)(&watch, 19)
	st, err := sc.stream(ctx, apiWatch, 19, watch.b)
	if err != nil {
		t.Fatal(err)
	}
	save(t, "watch_partition_v19", <-st.frames, nil)

	body, _, err = sc.call(ctx, apiCreate, func(w *writer, v int16) {
		writeObject(w, kindTopic, func(w *writer) {
			w.str(topic)
			w.bool(false)
			w.none()
			writeTopicSpec(w, v, 2)
		})
	})
	save(t, "create_exists_v19", body, err)
}

func captureSPU(t *testing.T, c *Client, topic string) {
	ctx := testCtx(t, time.Minute)
	groups, _, err := c.groupByLeader(ctx, topic, []int32{0, 1})
	if err != nil {
		t.Fatal(err)
	}
	spu, err := c.spuConn(ctx, groups[0])
	if err != nil {
		t.Fatal(err)
	}
	body, err := spu.roundTrip(ctx, apiVersions, versionsVersion, versionsBody())
	save(t, "spu_api_versions", body, err)
	recs := map[int32][]Record{0: {{Value: []byte("a")}}, 1: {{Key: []byte("k"), Value: []byte("b")}}}
	recs[7] = recs[0] // the topic has no partition 7
	body, _, err = spu.call(ctx, apiProduce, func(w *writer, v int16) {
		writeProduceRequest(w, topic, []int32{0, 1, 7}, recs, 1000, time.UnixMilli(1_700_000_000_000))
	})
	save(t, "produce_v25", body, err)
	body, _, err = spu.call(ctx, apiFetchOffsets, func(w *writer, v int16) {
		w.count(1)
		w.str(topic)
		w.count(2)
		w.u32(0)
		w.u32(9)
	})
	save(t, "fetch_offsets_v25", body, err)
}
