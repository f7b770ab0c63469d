package consumer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"partop/source"
)

// Run consumes until ctx ends or Close is called, reporting to r: the
// group up (ConsumerStarted, once, at its first assignment), each
// assignment, the first record fetched on each partition, the first commit
// on each partition, and errors (Problem; the engine rate-limits them).
// Only the first call runs.
func (c *Consumer) Run(ctx context.Context, r source.Reporter) {
	if !c.running.CompareAndSwap(false, true) {
		return
	}
	defer close(c.done)
	select {
	case <-c.stop:
		return // closed before it ran
	default:
	}
	c.reports.Set(r)
	c.cl.AddConsumeTopics(c.cfg.Topic) // the group joins now, with r to report to
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-c.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	onPartition := c.count // bound once, not per poll
	for {
		fetches := c.cl.PollFetches(ctx)
		if ctx.Err() != nil || fetches.IsClientClosed() {
			return
		}
		fetches.EachError(c.fetchError)
		fetches.EachPartition(onPartition)
	}
}

// count counts one partition's records of a poll: one Ack per record, and
// the partition's first record ever fetched is reported (checked once per
// partition per poll, not per record).
func (c *Consumer) count(p kgo.FetchTopicPartition) {
	recs := p.Records
	if len(recs) == 0 {
		return
	}
	part := p.Partition
	if !c.fetchedBefore(part) {
		c.reports.Report(source.FirstFetch{Partition: part, Offset: recs[0].Offset, At: time.Now(), FromCommit: c.startedFromCommit(part)})
	}
	for _, r := range recs {
		c.counters.Ack(part, len(r.Key)+len(r.Value))
	}
}

// fetchedBefore reports whether partition p had a record before, and marks
// it as having one. Run's loop is its only caller.
func (c *Consumer) fetchedBefore(p int32) bool {
	if int(p) < len(c.firstFetched) && c.firstFetched[p] {
		return true
	}
	if int(p) >= len(c.firstFetched) {
		c.firstFetched = append(c.firstFetched, make([]bool, int(p)+1-len(c.firstFetched))...)
	}
	c.firstFetched[p] = true
	return false
}

func (c *Consumer) fetchError(topic string, p int32, err error) {
	if errors.Is(err, context.Canceled) || errors.Is(err, kgo.ErrClientClosed) {
		return
	}
	where := "consumer group " + c.cfg.Group
	if topic != "" {
		where = fmt.Sprintf("%s: fetch %s/%d", where, topic, p)
	}
	c.reports.Report(source.Problem{Message: where + ": " + err.Error()})
}

// assigned is kgo's OnPartitionsAssigned: the group's first assignment
// says it is up (with the protocol kgo's requests show), and each one
// with partitions of the topic is an Assigned fact.
func (c *Consumer) assigned(ctx context.Context, _ *kgo.Client, m map[string][]int32) {
	if c.started.CompareAndSwap(false, true) {
		used := c.usedProtocol()
		c.reports.Report(source.ConsumerStarted{Group: c.cfg.Group, Protocol: used, Reset: c.cfg.Reset})
		if used != c.protocol {
			c.reports.Report(source.Notice{Error: true, Message: fmt.Sprintf(
				"consumer group %s: the brokers advertise KIP-848 but refused it; running the %s protocol", c.cfg.Group, used)})
		}
	}
	parts := slices.Clone(m[c.cfg.Topic])
	if len(parts) == 0 {
		return
	}
	slices.Sort(parts)
	c.counters.Extend(int(parts[len(parts)-1]) + 1) // a new partition reads 0/s, not nothing
	c.reports.Report(source.Assigned{Partitions: parts})
	// Not in this callback: kgo fetches the partitions only once it
	// returns, and a round trip here would move the group's own start.
	go c.endsAtAssignment(ctx, parts)
}

// revoked is kgo's OnPartitionsRevoked and OnPartitionsLost: partitions
// another member of the group now reads are a Revoked fact.
func (c *Consumer) revoked(_ context.Context, _ *kgo.Client, m map[string][]int32) {
	if parts := slices.Clone(m[c.cfg.Topic]); len(parts) > 0 {
		slices.Sort(parts)
		c.reports.Report(source.Revoked{Partitions: parts})
	}
}

// onCommit is kgo's autocommit callback (about once a second): errors are
// problems, and each partition's first successful commit is reported.
func (c *Consumer) onCommit(_ *kgo.Client, req *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
	if err != nil {
		if !errors.Is(err, context.Canceled) && !errors.Is(err, kgo.ErrClientClosed) {
			c.reports.Report(source.Problem{Message: "consumer group " + c.cfg.Group + ": commit: " + err.Error()})
		}
		return
	}
	at := time.Now()
	c.commitMu.Lock()
	defer c.commitMu.Unlock()
	for _, t := range resp.Topics {
		if t.Topic != c.cfg.Topic {
			continue
		}
		for _, p := range t.Partitions {
			if ce := kerr.ErrorForCode(p.ErrorCode); ce != nil {
				c.reports.Report(source.Problem{Message: fmt.Sprintf("consumer group %s: commit %s/%d: %v", c.cfg.Group, t.Topic, p.Partition, ce)})
				continue
			}
			if c.committed[p.Partition] {
				continue
			}
			if off, ok := requested(req, t.Topic, p.Partition); ok {
				c.committed[p.Partition] = true
				c.reports.Report(source.Committed{Partition: p.Partition, Offset: off, At: at})
			}
		}
	}
}

// requested is the offset req commits for partition p of topic.
func requested(req *kmsg.OffsetCommitRequest, topic string, p int32) (int64, bool) {
	for _, t := range req.Topics {
		if t.Topic != topic {
			continue
		}
		for _, rp := range t.Partitions {
			if rp.Partition == p {
				return rp.Offset, true
			}
		}
	}
	return 0, false
}

// Close stops Run, commits what it read and leaves the group (the next
// member, or partop's next run, starts where this one stopped). It waits
// up to 5 s for Run and the commit; the error is the commit's.
func (c *Consumer) Close() error {
	c.closeOnce.Do(func() {
		close(c.stop)
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		if c.running.Load() {
			select {
			case <-c.done:
			case <-ctx.Done():
			}
		}
		if err := c.cl.CommitUncommittedOffsets(ctx); err != nil {
			c.closeErr = fmt.Errorf("consumer group %s: last commit: %w", c.cfg.Group, err)
		}
		c.cl.Close() // leaves the group
	})
	return c.closeErr
}
