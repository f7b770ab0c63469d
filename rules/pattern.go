package rules

import (
	"fmt"
	"regexp"
	"strings"
)

// IsTopicPattern reports whether a --topic value is a pattern rather than
// a name: topic names hold letters, digits, '.', '_' and '-' only (on
// Kafka and Fluvio alike), so any other regular-expression character
// makes one: 'orders.*', 'orders|payments'. A name with '.' in it stays
// a name.
func IsTopicPattern(s string) bool { return strings.ContainsAny(s, `*+?()[]{}|^$\`) }

// TopicMatcher compiles a --topic pattern, matched against whole topic
// names.
func TopicMatcher(pattern string) (*regexp.Regexp, error) {
	re, err := regexp.Compile("^(?:" + pattern + ")$")
	if err != nil {
		return nil, fmt.Errorf("%q is not a valid pattern: %w", pattern, err)
	}
	return re, nil
}
