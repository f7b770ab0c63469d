package client

import (
	"context"
	"fmt"
	"runtime"
)

// apiKey identifies a request type. The SC and SPUs have separate key
// spaces (fluvio-sc-schema src/apis.rs, fluvio-spu-schema src/server/api_key.rs);
// only ApiVersions (18) is shared.
type apiKey uint16

const (
	apiProduce      apiKey = 0    // SPU
	apiFetch        apiKey = 1    // SPU
	apiVersions     apiKey = 18   // SC and SPU
	apiCreate       apiKey = 1001 // SC
	apiList         apiKey = 1003 // SC
	apiWatch        apiKey = 1004 // SC
	apiUpdate       apiKey = 1006 // SC
	apiFetchOffsets apiKey = 1002 // SPU
)

// apiRange is an inclusive range of API versions.
type apiRange struct{ min, max int16 }

// implemented lists the versions this package can encode and decode, with
// every #[fluvio(min_version)] field gated. The SC object APIs start at 11,
// where the "dynamic object" envelope (objects.go) replaced the classic
// one; the SPU APIs have no envelope and few gated fields.
var implemented = map[apiKey]apiRange{
	apiCreate:       {11, 19},
	apiList:         {11, 19},
	apiWatch:        {11, 19},
	apiUpdate:       {11, 19},
	apiProduce:      {0, 25},
	apiFetch:        {0, 25},
	apiFetchOffsets: {0, 25},
}

const (
	// versionsVersion is the version of the ApiVersions request itself
	// (ApiVersionsRequest::DEFAULT_API_VERSION). Version 1 added the client
	// version, OS and arch, and the SC rejects a client version that is not
	// semver, so it must be >= 1.
	versionsVersion = 2
	// clientVersion is the Fluvio client release whose protocol this package
	// follows (the workspace version of the pinned Fluvio source).
	clientVersion = "0.50.2"
)

// handshake asks the server which API versions it supports. Like Fluvio's
// own client, every later request uses min(our max, server max), provided
// the ranges overlap.
func (c *conn) handshake(ctx context.Context) (map[apiKey]apiRange, error) {
	var w writer
	w.str(clientVersion)
	w.str(runtime.GOOS)
	w.str(runtime.GOARCH)
	resp, err := c.roundTrip(ctx, apiVersions, versionsVersion, w.b)
	if err != nil {
		return nil, err
	}
	return decodeVersions(resp)
}

// decodeVersions decodes ApiVersionsResponse: error_code, a Vec of
// (api_key i16, min i16, max i16), and the platform version string.
func decodeVersions(resp []byte) (map[apiKey]apiRange, error) {
	r := reader{b: resp}
	code, msg := readErrorCode(&r)
	out := map[apiKey]apiRange{}
	for n := r.count(); n > 0; n-- {
		key := apiKey(r.i16())
		out[key] = apiRange{min: r.i16(), max: r.i16()}
	}
	r.str() // platform version, e.g. "0.18.2-dev-1"
	if err := r.done(); err != nil {
		return nil, err
	}
	if err := codeError(code, msg); err != nil {
		return nil, err
	}
	return out, nil
}

// negotiate picks the version to use for key given the server's range.
func negotiate(key apiKey, server map[apiKey]apiRange) (int16, error) {
	ours, ok := implemented[key]
	if !ok {
		return 0, fmt.Errorf("%w: API %d is not implemented here", ErrUnsupportedVersion, key)
	}
	theirs, ok := server[key]
	if !ok {
		return 0, fmt.Errorf("%w: server does not offer API %d", ErrUnsupportedVersion, key)
	}
	v := min(ours.max, theirs.max)
	if v < ours.min || v < theirs.min {
		return 0, fmt.Errorf("%w: API %d: server supports %d..%d, this client %d..%d",
			ErrUnsupportedVersion, key, theirs.min, theirs.max, ours.min, ours.max)
	}
	return v, nil
}

// call sends a request at the negotiated version and returns the response
// body and that version (the body's layout depends on it).
func (c *conn) call(ctx context.Context, key apiKey, encode func(w *writer, v int16)) ([]byte, int16, error) {
	body, v, err := c.request(key, encode)
	if err != nil {
		return nil, 0, err
	}
	resp, err := c.roundTrip(ctx, key, v, body)
	return resp, v, err
}

// request negotiates key's version and encodes a request body at it, for
// call and for the Watch streams.
func (c *conn) request(key apiKey, encode func(w *writer, v int16)) ([]byte, int16, error) {
	v, err := negotiate(key, c.versions)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", c.peer, err)
	}
	var w writer
	encode(&w, v)
	if w.err != nil {
		return nil, 0, w.err
	}
	return w.b, v, nil
}
