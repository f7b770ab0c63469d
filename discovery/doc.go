// Package discovery keeps what a traffic source knows of its topic's
// partitions: the View (how many partitions the cluster has and how many the
// source routes to), and the event log, where every expansion carries its
// pickup timeline: created, seen, routed, first record, balanced.
//
// Sources feed a Tracker from whatever they observe (a kgo partitioner, a
// metadata watcher, acknowledgements, end offsets, a Fluvio watch stream);
// the engine reads it and adds the operator's events. It imports no UI and no
// client library, so every source and every view shares one vocabulary.
package discovery
