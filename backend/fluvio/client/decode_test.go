package client

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The testdata/*.hex files are response bodies recorded from the pinned
// Fluvio build (SC platform 0.18.2-dev-1) by TestCaptureResponses
// (capture_test.go) on a fresh cluster: topic "golden" with 2 partitions on
// SPU 5001, one record produced to each.

func golden(t *testing.T, name string) []byte {
	t.Helper()
	s, err := os.ReadFile(filepath.Join("testdata", name+".hex"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := hex.DecodeString(strings.TrimSpace(string(s)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeAPIVersions(t *testing.T) {
	sc, err := decodeVersions(golden(t, "sc_api_versions"))
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[apiKey]int16{apiCreate: 19, apiList: 19, apiWatch: 19, apiUpdate: 19} {
		if v, err := negotiate(key, sc); v != want || err != nil {
			t.Errorf("SC API %d: version %d, %v; want %d", key, v, err, want)
		}
	}
	if sc[apiList] != (apiRange{15, 19}) || sc[apiCreate] != (apiRange{9, 19}) {
		t.Errorf("SC ranges %v", sc)
	}
	spu, err := decodeVersions(golden(t, "spu_api_versions"))
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[apiKey]int16{apiProduce: 25, apiFetchOffsets: 25} {
		if v, err := negotiate(key, spu); v != want || err != nil {
			t.Errorf("SPU API %d: version %d, %v; want %d", key, v, err, want)
		}
	}
}

// decodeList decodes a recorded List response like list() does.
func decodeList[T any](t *testing.T, name, kind string, read func(*reader, int16) T) []T {
	t.Helper()
	r, err := readObject(golden(t, name), kind)
	if err != nil {
		t.Fatal(err)
	}
	var out []T
	for n := r.count(); n > 0; n-- {
		out = append(out, read(r, 19))
	}
	if err := r.done(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDecodeListTopic(t *testing.T) {
	topics := decodeList(t, "list_topic_v19", kindTopic, readTopic)
	if len(topics) != 1 || topics[0] != (topicMeta{name: "golden", partitions: 2}) {
		t.Fatalf("%+v", topics)
	}
}

func TestDecodeListPartitionAndSPU(t *testing.T) {
	parts := decodeList(t, "list_partition_v19", kindPartition, readPartition)
	spuList := decodeList(t, "list_spu_v19", kindSPU, readSPU)
	if len(spuList) != 1 || spuList[0].id != 5001 || !spuList[0].online || !strings.HasPrefix(spuList[0].addr, "127.0.0.1:") {
		t.Fatalf("SPUs %+v", spuList)
	}
	spus := map[int32]spuMeta{5001: spuList[0]}
	tp := buildTopic("golden", parts, spus)
	if len(tp.Partitions) != 2 {
		t.Fatalf("%+v", tp)
	}
	for i, p := range tp.Partitions {
		if p.ID != int32(i) || p.Leader != 5001 || p.Status != StatusOnline || p.LeaderAddr != spuList[0].addr ||
			!p.LeaderOnline || len(p.Replicas) != 1 || p.Replicas[0] != 5001 {
			t.Errorf("partition %d: %+v", i, p)
		}
	}
}

// The first Watch frame is the full snapshot, including the system
// partition consumer-offset-0, whose spec has the optional cleanup policy
// and storage fields set.
func TestDecodeWatchSnapshot(t *testing.T) {
	u, err := readUpdate(golden(t, "watch_partition_v19"), kindPartition, 19, readPartition)
	if err != nil {
		t.Fatal(err)
	}
	if !u.full || len(u.objects) != 3 {
		t.Fatalf("full %v, %d objects", u.full, len(u.objects))
	}
	st := &watchState{topic: "golden", parts: map[int32]partitionMeta{}, spus: map[int32]spuMeta{}}
	if err := st.applyParts(golden(t, "watch_partition_v19"), 19); err != nil {
		t.Fatal(err)
	}
	if len(st.parts) != 2 || st.parts[1].leader != 5001 {
		t.Fatalf("watch state %+v", st.parts)
	}
	names := map[string]bool{}
	for _, p := range u.objects {
		names[p.topic] = true
	}
	if !names["consumer-offset"] || !names["golden"] {
		t.Errorf("topics in snapshot: %v", names)
	}
}

func TestDecodeCreateExisting(t *testing.T) {
	err := readStatus(golden(t, "create_exists_v19"))
	if !errors.Is(err, ErrTopicExists) || !strings.Contains(err.Error(), "Topic 'golden' already exists") {
		t.Fatalf("%v", err)
	}
}

// Produced to partitions 0, 1 and 7; the topic has no partition 7.
func TestDecodeProduceResponse(t *testing.T) {
	res, err := readProduceResponse(golden(t, "produce_v25"), 25, "golden")
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || res[0].BaseOffset != 0 || res[1].Err != nil || res[1].BaseOffset != 0 {
		t.Errorf("partitions 0, 1: %+v %+v", res[0], res[1])
	}
	if !errors.Is(res[7].Err, ErrNotLeader) || res[7].BaseOffset != -1 {
		t.Errorf("partition 7: %+v", res[7])
	}
}

// Asked for partitions 0 (one record) and 9 (absent).
func TestDecodeFetchOffsets(t *testing.T) {
	s := newFakeServer(t, func(s *fakeServer, nc net.Conn, key apiKey, id int32, body []byte) {
		s.reply(nc, id, golden(t, "fetch_offsets_v25"))
	})
	c, err := dialConn(t.Context(), s.addr(), "SPU test")
	if err != nil {
		t.Fatal(err)
	}
	defer c.close(errors.New("done"))
	c.versions[apiFetchOffsets] = apiRange{25, 25}
	hw, perr, err := fetchOffsets(t.Context(), c, "golden", []int32{0, 9})
	if err != nil {
		t.Fatal(err)
	}
	if len(hw) != 1 || hw[0] != 1 {
		t.Errorf("high watermarks %v", hw)
	}
	if len(perr) != 1 || !errors.Is(perr[0], ErrNotLeader) {
		t.Errorf("partition 9: %v", perr)
	}
}

// The produce request a Produce call sends, for topic "t", partition 0,
// the golden batch's record: header fields, then the batch as RecordSet.
func TestProduceRequestGolden(t *testing.T) {
	var w writer
	recs := map[int32][]Record{0: {{Value: []byte("test")}}}
	writeProduceRequest(&w, "t", []int32{0}, recs, 1500, time.UnixMilli(1555478494747))
	want := unhexCommented(t, `
		00                transactional_id: None
		ff ff             isolation -1 (ReadCommitted)
		00 00 05 dc       timeout 1500 ms
		00 00 00 01       1 topic
		00 01 74          name "t"
		00 00 00 01       1 partition
		00 00 00 00       partition_index 0
		00 00 00 48       RecordSet length 72`)
	want = append(want, unhexCommented(t, goldenBatch)...)
	want = append(want, 0, 0, 0, 0) // smartmodules: none
	if !bytes.Equal(w.b, want) {
		t.Fatalf("produce request\n% x\nwant\n% x", w.b, want)
	}
}
