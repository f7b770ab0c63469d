package client

import (
	"context"
	"encoding/binary"
	"fmt"
)

// The SC's admin API is generic over object kinds (fluvio-sc-schema
// src/objects). Since version 11 ("DYN_OBJ") every request and response
// body is wrapped in a TypeBuffer:
//
//	kind String ("Topic", "Partition", "SPU", ...)   the spec's LABEL
//	len  u32                                          length of what follows
//	body                                              encoded at the request's version
//
// Create uses the same layout (CreateTypeBuffer). Create and Update answer
// with a plain Status, not a TypeBuffer.

// Object kinds, spelled as Fluvio's Spec::LABEL.
const (
	kindTopic     = "Topic"
	kindPartition = "Partition"
	kindSPU       = "SPU"
)

// writeObject writes a TypeBuffer: kind, u32 length, then body.
func writeObject(w *writer, kind string, body func(w *writer)) {
	w.str(kind)
	at := len(w.b)
	w.u32(0) // patched below
	body(w)
	binary.BigEndian.PutUint32(w.b[at:], uint32(len(w.b)-at-4))
}

// readObject opens a TypeBuffer response and checks its kind.
func readObject(resp []byte, kind string) (*reader, error) {
	r := &reader{b: resp}
	got := r.str()
	n := int(r.u32())
	if r.err == nil && got != kind {
		return nil, fmt.Errorf("fluvio: SC answered with %q objects, asked for %q", got, kind)
	}
	if r.err == nil && n != r.remaining() {
		r.failf("object body of %d bytes, frame has %d", n, r.remaining())
	}
	return r, r.err
}

// readStatus decodes the Status answering Create and Update:
// { name String, error_code ErrorCode, error_message Option<String> }.
func readStatus(resp []byte) error {
	r := reader{b: resp}
	name := r.str()
	code, payload := readErrorCode(&r)
	msg := r.optStr()
	if err := r.done(); err != nil {
		return err
	}
	if msg == "" {
		msg = payload
	}
	if err := codeError(code, msg); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// list asks the SC for all objects of a kind whose name contains filter
// (ListRequest: name_filters Vec<{name}>, summary (v10), system (v13); the
// SC matches filters as substrings and ignores them for partitions). Each
// object is decoded by read; the response is ListResponse { Vec<Metadata> }.
func list[T any](ctx context.Context, c *conn, kind, filter string, read func(*reader, int16) T) ([]T, error) {
	resp, v, err := c.call(ctx, apiList, func(w *writer, v int16) {
		writeObject(w, kind, func(w *writer) {
			if filter == "" {
				w.count(0)
			} else {
				w.count(1)
				w.str(filter)
			}
			if v >= 10 {
				w.bool(false) // summary
			}
			if v >= 13 {
				w.bool(false) // system objects: no, user objects
			}
		})
	})
	if err != nil {
		return nil, fmt.Errorf("listing %s objects: %w", kind, err)
	}
	r, err := readObject(resp, kind)
	if err != nil {
		return nil, err
	}
	var out []T
	for n := r.count(); n > 0 && r.err == nil; n-- {
		out = append(out, read(r, v))
	}
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("listing %s objects: %w", kind, err)
	}
	return out, nil
}

// update is one watch message: MetadataUpdate { epoch i64,
// changes Vec<Message { header (0 update, 1 delete), content Metadata }>,
// all Vec<Metadata> }. The SC sends "all" (a full snapshot) first and
// "changes" afterwards.
type update[T any] struct {
	full    bool // all was sent: replace everything
	objects []T  // the snapshot, or the changed objects
	deleted []bool
}

func readUpdate[T any](body []byte, kind string, v int16, read func(*reader, int16) T) (update[T], error) {
	var u update[T]
	r, err := readObject(body, kind)
	if err != nil {
		return u, err
	}
	r.i64() // epoch
	for n := r.count(); n > 0 && r.err == nil; n-- {
		del := r.u8() == 1
		u.objects = append(u.objects, read(r, v))
		u.deleted = append(u.deleted, del)
	}
	if n := r.count(); n > 0 {
		u.full, u.objects, u.deleted = true, nil, nil
		for ; n > 0 && r.err == nil; n-- {
			u.objects = append(u.objects, read(r, v))
			u.deleted = append(u.deleted, false)
		}
	}
	return u, r.done()
}

// watchRequest encodes WatchRequest { epoch i64, summary bool (v10) }.
func watchRequest(kind string) func(w *writer, v int16) {
	return func(w *writer, v int16) {
		writeObject(w, kind, func(w *writer) {
			w.i64(0) // epoch: unused by the SC
			if v >= 10 {
				w.bool(false)
			}
		})
	}
}
