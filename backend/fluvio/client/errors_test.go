package client

import (
	"errors"
	"strings"
	"testing"
)

func TestErrorCodeMapping(t *testing.T) {
	cases := []struct {
		wire     string // ErrorCode as encoded: i16 tag, then the variant's fields
		code     ErrorCode
		sentinel error
		msg      string
	}{
		{"00 06", CodeNotLeaderForPartition, ErrNotLeader, ""},
		{"0b b9", CodePartitionNotLeader, ErrNotLeader, ""},
		{"03 eb", CodeSpuNotFound, ErrSPUNotFound, ""},
		{"03 ea", CodeSpuOffline, ErrSPUOffline, ""},
		{"07 d1", CodeTopicNotFound, ErrUnknownTopic, ""},
		{"07 d2", CodeTopicAlreadyExists, ErrTopicExists, ""},
		// RequestTimedOut { timeout_ms: u64, kind: RequestKind (u8) }
		{"00 07 00 00 00 00 00 00 05 dc 00", CodeRequestTimedOut, ErrTimedOut, "1500"},
		// Other(String)
		{"00 02 00 03 62 61 64", 2, nil, "bad"},
		// SystemSpecUpdatingAttempt { kind: String, name: String }
		{"2e e2 00 05 74 6f 70 69 63 00 01 74", 12002, nil, "topic t"},
		// PartitionFull { replica_key: ReplicaKey { topic, partition u32 } }
		{"00 48 00 01 74 00 00 00 02", 72, nil, "t 2"},
		// SmartModuleRuntimeError(hint, offset, kind, key Option<RecordData>, value RecordData)
		{"17 74 00 01 68 00 00 00 00 00 00 00 09 01 01 02 6b 04 76 76", 6004, nil, "h 9"},
	}
	for _, tc := range cases {
		r := reader{b: unhex(t, tc.wire)}
		code, msg := readErrorCode(&r)
		if err := r.done(); err != nil {
			t.Errorf("%s: %v", tc.wire, err)
			continue
		}
		err := codeError(code, msg)
		if code != tc.code || msg != tc.msg || err == nil {
			t.Errorf("%s: code %v msg %q err %v", tc.wire, code, msg, err)
			continue
		}
		if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
			t.Errorf("%s: %v does not match %v", tc.wire, err, tc.sentinel)
		}
		for _, other := range []error{ErrNotLeader, ErrSPUOffline, ErrUnknownTopic, ErrTopicExists} {
			if other != tc.sentinel && errors.Is(err, other) {
				t.Errorf("%s: %v matches %v too", tc.wire, err, other)
			}
		}
	}
}

func TestErrorCodeNoneAndUnknown(t *testing.T) {
	r := reader{b: unhex(t, "00 00")}
	if code, _ := readErrorCode(&r); codeError(code, "") != nil || r.done() != nil {
		t.Error("code 0 is not success")
	}
	r = reader{b: unhex(t, "7f 00 00 00")}
	readErrorCode(&r)
	if err := r.done(); err == nil || !strings.Contains(err.Error(), "unknown error code 32512") {
		t.Errorf("unknown code: %v", err)
	}
}

func TestErrorText(t *testing.T) {
	err := error(&Error{Code: CodeTopicAlreadyExists, Message: "Topic 'a' already exists"})
	if got, want := err.Error(), "fluvio: TopicAlreadyExists (2002): Topic 'a' already exists"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if got, want := (&Error{Code: 6}).Error(), "fluvio: NotLeaderForPartition (6)"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if got := ErrorCode(4242).String(); got != "ErrorCode(4242)" {
		t.Errorf("unknown code name %q", got)
	}
}
