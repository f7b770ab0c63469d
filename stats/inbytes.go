package stats

// ByBytes is the snapshot by bytes instead of records: every rate, share,
// balance figure and chart history is the bytes one, so a view that reads
// a Snapshot shows bytes with no code of its own. Counts (Acked, Errors)
// stay records. A partition's sparkline history is its records history
// scaled by its bytes per record over the balance window: the sampler
// keeps no per-partition bytes history (it would double the per-partition
// memory), and the shape is the records' at that size.
func (s *Snapshot) ByBytes() Snapshot {
	out := *s
	out.InBytes = true
	out.Rate, out.RateLong, out.Balance = s.BytesRate, s.BytesRateLong, s.BytesBalance
	out.TotalHistory, out.BalanceHistory = s.BytesTotalHistory, s.BytesBalanceHistory
	out.Partitions = make([]Partition, len(s.Partitions))
	n := 0
	for _, p := range s.Partitions {
		n += len(p.History)
	}
	backing := make([]float32, 0, n)
	for i, p := range s.Partitions {
		perRecord := 0.0
		if p.RateBalance > 0 {
			perRecord = p.BytesRateBalance / p.RateBalance
		}
		start := len(backing)
		for _, v := range p.History {
			backing = append(backing, v*float32(perRecord))
		}
		p.History = backing[start:len(backing):len(backing)]
		p.Rate, p.RateLong, p.RateBalance, p.Share = p.BytesRate, p.BytesRateLong, p.BytesRateBalance, p.BytesShare
		out.Partitions[i] = p
	}
	out.HistoryMax = highest(backing)
	return out
}
