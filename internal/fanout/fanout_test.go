package fanout

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestAskGathersEveryLeader(t *testing.T) {
	by := ByLeader([]int32{2, 1, -1, 2})
	if fmt.Sprint(by) != "map[1:[1] 2:[0 3]]" {
		t.Fatalf("ByLeader = %v", by)
	}
	answers := Ask(context.Background(), by, func(_ context.Context, l int32, parts []int32) (int, error) {
		if l == 1 {
			return 0, errors.New("down")
		}
		return len(parts), nil
	})
	if len(answers) != 2 || answers[0].Leader != 1 || answers[0].Err == nil || answers[1].Resp != 2 || answers[1].At.IsZero() {
		t.Fatalf("answers %+v", answers)
	}
}

func TestErrors(t *testing.T) {
	var e *Errors
	if e.Err() != nil {
		t.Fatal("nil Errors is an error")
	}
	e = &Errors{What: "end offsets"}
	if e.Err() != nil {
		t.Fatal("empty Errors is an error")
	}
	gone := errors.New("gone")
	e.Add(fmt.Errorf("leader 3 (%s): %w", Partitions([]int32{0, 4}), gone))
	e.Add(errors.New("partition 7: NOT_LEADER"))
	if err := e.Err(); err == nil || err.Error() != "end offsets: leader 3 (partitions 0, 4): gone (and 1 more)" || !errors.Is(err, gone) {
		t.Fatalf("Err() = %v", err)
	}
}
