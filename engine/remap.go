package engine

// KeysMoved is the fraction of all keys that map to a different partition
// when a topic grows from n to m partitions under hash-mod partitioning
// (murmur2(key) mod n, as the Java producer and partop's key-hash do):
// a hash h keeps its partition iff h mod n == h mod m, which holds for
// min(n,m) of every lcm(n,m) consecutive hashes. So 4→8 moves 50%, 6→8
// 75%, n→n+1 n/(n+1).
func KeysMoved(n, m int) float64 {
	if n <= 0 || m <= 0 || n == m {
		return 0
	}
	l := lcm(n, m)
	return 1 - float64(min(n, m))/float64(l)
}

func lcm(a, b int) int { return a / gcd(a, b) * b }

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
