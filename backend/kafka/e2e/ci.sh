#!/usr/bin/env bash
# CI runs every backend's backend/*/e2e/ci.sh (.ci/run): here, the
# real-Apache-Kafka suite (Maven fetch, 3-node KRaft, the kafka-tagged
# tests in this directory).
set -euo pipefail
exec bash "$(dirname "$0")/../../../scripts/kafka-test.sh" "$@"
