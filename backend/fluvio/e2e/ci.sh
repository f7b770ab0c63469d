#!/usr/bin/env bash
# CI runs every backend's backend/*/e2e/ci.sh (.ci/run): here, the Fluvio
# suite (a local SC and SPU from ../shared/fluvio, Fluvio's own Python
# client, the fluvio-tagged tests of backend/fluvio/...).
set -euo pipefail
exec bash "$(dirname "$0")/../../../scripts/fluvio-test.sh" "$@"
