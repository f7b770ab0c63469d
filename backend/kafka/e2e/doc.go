// Package e2e holds partop's tests against a real Apache Kafka
// cluster. They are behind the build tag kafka, so that go test ./... needs
// nothing but Go; run them all, cluster included, with
//
//	bash scripts/kafka-test.sh
//
// or against a cluster started by hand with scripts/kafka.sh:
//
//	scripts/kafka.sh up 3 && eval "$(scripts/kafka.sh env)"
//	go test -tags kafka -count=1 -v ./backend/kafka/e2e/...
package e2e
