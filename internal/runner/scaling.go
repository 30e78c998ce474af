package runner

// ThrottledMinutes counts the minutes of the endpoint's series (from its
// T 0) in which it throttled at least one request, and the minutes the
// series spans: what an auto scaled table's ramp costs, minute by minute,
// as CloudWatch's ThrottledRequests per minute would show it.
func (t *TableStats) ThrottledMinutes() (throttled, minutes int) {
	last := -1
	for _, s := range t.Series {
		m := s.T / 60
		minutes = max(minutes, m+1)
		if s.ThrottledRequests > 0 && m != last {
			throttled++
			last = m
		}
	}
	return throttled, minutes
}
