package cluster

import (
	"fmt"
	"strings"
)

// maxTopicName is Kafka's limit on a topic name's length.
const maxTopicName = 249

// CheckTopicName applies Kafka's rules for topic names (letters, digits,
// '.', '_' and '-'; at most 249 characters; not "." or ".."), so a bad name
// is refused before anything starts instead of by a broker mid-run.
func CheckTopicName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("topic name is empty")
	case name == "." || name == "..":
		return fmt.Errorf("topic name %q: Kafka does not allow \".\" or \"..\"", name)
	case len(name) > maxTopicName:
		return fmt.Errorf("topic name is %d characters: Kafka allows at most %d", len(name), maxTopicName)
	}
	if i := strings.IndexFunc(name, func(r rune) bool { return !legalTopicRune(r) }); i >= 0 {
		return fmt.Errorf("topic name %q: %q is not allowed; Kafka topic names use only letters, digits, '.', '_' and '-'", name, []rune(name[i:])[0])
	}
	return nil
}

func legalTopicRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
}
