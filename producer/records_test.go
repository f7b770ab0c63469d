package producer

import (
	"strings"
	"testing"

	"partop/rules"
)

func TestValuesCarryRunAndSequence(t *testing.T) {
	m := NewRecords(Config{ValueSize: 40, Keys: rules.KeysUniform, KeySpace: 3}, 77)
	for want := range uint64(5) {
		k, v := m.Next()
		run, seq, ok := ParseValue(v)
		if !ok || run != 77 || seq != want || len(v) != 40 {
			t.Fatalf("value %d: run %d seq %d ok %v len %d", want, run, seq, ok, len(v))
		}
		if !strings.HasPrefix(string(k), "key-") {
			t.Fatalf("key %q", k)
		}
	}
	if _, _, ok := ParseValue([]byte("short")); ok {
		t.Fatal("short value parsed")
	}
}

func TestConfigValidate(t *testing.T) {
	bad := map[string]Config{
		"unknown partitioner":      {Topic: "t", Partitioner: "random"},
		"least-backup on Fluvio":   {Topic: "t", Partitioner: rules.LeastBackup},
		"unknown key mode":         {Topic: "t", Keys: "sorted"},
		"key-hash no keys":         {Topic: "t", Partitioner: rules.KeyHash, Keys: rules.KeysNone},
		"negative rate":            {Topic: "t", Rate: -5},
		"tiny value":               {Topic: "t", ValueSize: 8},
		"no topic":                 {},
		"Kafka name on Fluvio":     {Topic: "Orders_v1"},
		"negative flush timeout":   {Topic: "t", FlushTimeout: -1},
		"key space over the limit": {Topic: "t", Keys: rules.KeysZipf, KeySpace: rules.MaxKeySpace + 1},
	}
	for name, cfg := range bad {
		if err := cfg.Validate(rules.FluvioRules); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := (Config{Topic: "t", Partitioner: rules.KeyHash}).Validate(rules.FluvioRules); err != nil {
		t.Errorf("key-hash with default keys: %v", err)
	}
	if err := (Config{Topic: "Orders_v1", Partitioner: rules.LeastBackup}).Validate(rules.KafkaRules); err != nil {
		t.Errorf("least-backup and a Kafka name on Kafka: %v", err)
	}
}
