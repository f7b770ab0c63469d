"""Fluvio's own client (PyPI fluvio==0.21.0, which wraps Fluvio's Rust
client) as the tests' independent reader and as the Fluvio producer partop
observes. Used by the fluvio-tagged tests in partop/backend/fluvio and
partop/fluvio/e2e; scripts/fluvio-test.sh installs the package in a venv.

  pyfluvio.py read SC TOPIC PARTITIONS OUT
      read every partition from the beginning to its end; write JSON:
      {"partitions": [{"partition": p, "records": n, "other": k,
                       "runs": {"<run id>": [seq, ...]}}]}
      (values partop wrote start with a big-endian u64 run id and u64 seq)
  pyfluvio.py produce SC TOPIC RATE SECONDS OUT [KEYS [COMPRESSION]]
      send RATE keyless records/s (or keyed over KEYS keys) for SECONDS with
      Fluvio's producer at its defaults (COMPRESSION: gzip, snappy, lz4 or
      zstd batches instead of uncompressed ones); write JSON:
      {"start": t0, "sent": n, "errors": e, "records": [[t_send, partition], ...]}
      (t: seconds since the epoch, when the record was handed to the producer)
      It stops early, flushes and writes OUT when OUT.stop appears (how a
      test ends a run whose length depends on how fast the machine is).
  pyfluvio.py firsts SC TOPIC PARTITIONS OUT
      read the first record of every partition that has one; write JSON:
      {"partitions": [{"partition": p, "offset": o, "timestamp": ms}]}
      (timestamp: Record.timestamp(), the batch's first_timestamp plus the
      record's delta; -1 when the batch carries none)
"""
import json
import os
import struct
import sys
import time

import fluvio
from fluvio import (
    Compression,
    ConsumerConfigExtBuilder,
    Fluvio,
    FluvioConfig,
    Offset,
    TopicProducerConfigBuilder,
)


def connect(sc):
    return Fluvio.connect_with_config(FluvioConfig.new(sc))


def read(sc, topic, partitions, out):
    client = connect(sc)
    result = []
    for p in range(int(partitions)):
        builder = ConsumerConfigExtBuilder(topic)
        builder.partition(p)
        builder.offset_start(Offset.beginning())
        builder.disable_continuous(True)
        runs, other, n = {}, 0, 0
        for record in client.consumer_with_config(builder.build()):
            n += 1
            value = bytes(record.value())
            if len(value) < 16:
                other += 1
                continue
            run, seq = struct.unpack(">QQ", value[:16])
            runs.setdefault(str(run), []).append(seq)
        result.append({"partition": p, "records": n, "other": other, "runs": runs})
    with open(out, "w") as f:
        json.dump({"partitions": result}, f)


def produce(sc, topic, rate, seconds, out, keys=0, compression=""):
    client = connect(sc)
    if compression:
        codec = {"gzip": Compression.Gzip, "snappy": Compression.Snappy,
                 "lz4": Compression.Lz4, "zstd": Compression.Zstd}[compression]
        config = TopicProducerConfigBuilder().compression(codec).build()
        producer = client.topic_producer_with_config(topic, config)
    else:
        producer = client.topic_producer(topic)
    rate, seconds, keys = float(rate), float(seconds), int(keys)
    pending, sent, errors = [], 0, 0
    start = time.time()
    end = start + seconds
    stop, check = out + ".stop", start
    while True:
        now = time.time()
        if now >= end:
            break
        if now >= check:  # a stat every 100 ms, not per record
            if os.path.exists(stop):
                break
            check = now + 0.1
        due = int((now - start) * rate)
        while sent < due:
            value = "fluvio-py %d" % sent
            try:
                if keys:
                    key = list(("key-%d" % (sent % keys)).encode())
                    pending.append((now, producer.send(key, list(value.encode()))))
                else:
                    pending.append((now, producer.send_string(value)))
            except Exception as e:  # noqa: BLE001 - count and go on, like partop
                errors += 1
                print("send failed: %s" % e, file=sys.stderr)
            sent += 1
        time.sleep(max(0.0, start + (sent + 1) / rate - time.time()))
    producer.flush()
    records = []
    for t, output in pending:
        try:
            meta = output.wait()
            records.append([t, meta.partition_id() if meta is not None else -1])
        except Exception as e:  # noqa: BLE001
            errors += 1
            print("record failed: %s" % e, file=sys.stderr)
    with open(out, "w") as f:
        json.dump({"start": start, "sent": sent, "errors": errors, "records": records}, f)


def firsts(sc, topic, partitions, out):
    client = connect(sc)
    result = []
    for p in range(int(partitions)):
        builder = ConsumerConfigExtBuilder(topic)
        builder.partition(p)
        builder.offset_start(Offset.beginning())
        builder.disable_continuous(True)
        for record in client.consumer_with_config(builder.build()):
            result.append({"partition": p, "offset": record.offset(), "timestamp": record.timestamp()})
            break
    with open(out, "w") as f:
        json.dump({"partitions": result}, f)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"read": read, "produce": produce, "firsts": firsts}[cmd](*args)
