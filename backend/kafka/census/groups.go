package census

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"partop/overview"
)

// groups lists every consumer group (classic and KIP-848, and groups with
// commits only; not connect or share groups, nor dead ones) and fetches
// the commits of all of them on all topics: one ListGroups request per
// broker and one OffsetFetch request per coordinator, whatever the
// topics. It returns what was not answered too.
func (p *Poller) groups(ctx context.Context) ([]overview.GroupCommits, []string) {
	req := kmsg.NewPtrListGroupsRequest()
	req.TypesFilter = []string{"classic", "consumer"} // dropped before v5: every group is listed
	var names []string
	var missed []string
	for _, sh := range p.cl.RequestSharded(ctx, req) {
		err := sh.Err
		if err == nil {
			err = kerr.ErrorForCode(sh.Resp.(*kmsg.ListGroupsResponse).ErrorCode)
		}
		if err != nil {
			missed = append(missed, fmt.Sprintf("groups on broker %d: %v", sh.Meta.NodeID, err))
			continue
		}
		for _, g := range sh.Resp.(*kmsg.ListGroupsResponse).Groups {
			if g.GroupState == "Dead" || (g.ProtocolType != "" && g.ProtocolType != "consumer") {
				continue
			}
			names = append(names, g.Group)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names) // a group moving between coordinators is listed twice
	if len(names) == 0 {
		return []overview.GroupCommits{}, missed // looked: none (not nil, which says groups were not looked at)
	}
	fetch := kmsg.NewPtrOffsetFetchRequest()
	for _, n := range names {
		rg := kmsg.NewOffsetFetchRequestGroup() // Topics nil: all
		rg.Group = n
		fetch.Groups = append(fetch.Groups, rg)
	}
	out := make([]overview.GroupCommits, 0, len(names))
	failed := 0
	for _, sh := range p.cl.RequestSharded(ctx, fetch) {
		if sh.Err != nil {
			failed += len(sh.Req.(*kmsg.OffsetFetchRequest).Groups)
			continue
		}
		for _, rg := range sh.Resp.(*kmsg.OffsetFetchResponse).Groups {
			if rg.ErrorCode != 0 {
				if kerr.ErrorForCode(rg.ErrorCode) != kerr.GroupIDNotFound { // deleted since listed: nothing committed
					failed++
				}
				continue
			}
			g := overview.GroupCommits{Group: rg.Group, Commits: map[string]map[int32]int64{}}
			for _, t := range rg.Topics {
				if t.Topic == "" {
					continue // a topic id kgo could not name
				}
				for _, part := range t.Partitions {
					if part.ErrorCode != 0 || part.Offset < 0 {
						continue
					}
					m := g.Commits[t.Topic]
					if m == nil {
						m = map[int32]int64{}
						g.Commits[t.Topic] = m
					}
					m[part.Partition] = part.Offset
				}
			}
			out = append(out, g)
		}
	}
	if failed > 0 {
		missed = append(missed, fmt.Sprintf("the commits of %d groups", failed))
	}
	slices.SortFunc(out, func(a, b overview.GroupCommits) int { return strings.Compare(a.Group, b.Group) })
	return out, missed
}
