package client

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors, for errors.Is. Server errors (*Error) match the sentinel
// of their code; client-side conditions wrap the sentinel directly.
var (
	// ErrUnknownTopic: the topic does not exist (SC code TopicNotFound, or absent from the SC's list).
	ErrUnknownTopic = errors.New("fluvio: unknown topic")
	// ErrTopicExists: CreateTopic found the topic already there (TopicAlreadyExists).
	ErrTopicExists = errors.New("fluvio: topic already exists")
	// ErrUnknownPartition: the partition is not in the SC's metadata for the topic.
	ErrUnknownPartition = errors.New("fluvio: unknown partition")
	// ErrNotLeader: the SPU is not (or no longer) the partition's leader (NotLeaderForPartition, PartitionNotLeader).
	ErrNotLeader = errors.New("fluvio: SPU is not the partition leader")
	// ErrSPUNotFound: the partition's leader SPU is not known to the SC (SpuNotFound).
	ErrSPUNotFound = errors.New("fluvio: SPU not found")
	// ErrSPUOffline: the SPU is offline (SpuOffline) or cannot be reached over TCP.
	ErrSPUOffline = errors.New("fluvio: SPU offline")
	// ErrTimedOut: the server gave up waiting, e.g. for a produce to commit (RequestTimedOut).
	ErrTimedOut = errors.New("fluvio: request timed out on the server")
	// ErrUnsupportedVersion: server and client share no version of an API.
	ErrUnsupportedVersion = errors.New("fluvio: no common API version")
)

// ErrorCode is Fluvio's error code (enum ErrorCode in fluvio-protocol, src/link/error_code.rs).
type ErrorCode int16

// The error codes partop meets; the full list is in errorCodes below.
const (
	CodeNone                  ErrorCode = 0    // CodeNone: success.
	CodeNotLeaderForPartition ErrorCode = 6    // CodeNotLeaderForPartition: produce or fetch sent to a non-leader.
	CodeRequestTimedOut       ErrorCode = 7    // CodeRequestTimedOut: the server's wait (e.g. for commit) expired.
	CodeSpuOffline            ErrorCode = 1002 // CodeSpuOffline: the SPU is offline.
	CodeSpuNotFound           ErrorCode = 1003 // CodeSpuNotFound: no such SPU.
	CodeTopicNotFound         ErrorCode = 2001 // CodeTopicNotFound: no such topic.
	CodeTopicAlreadyExists    ErrorCode = 2002 // CodeTopicAlreadyExists: topic exists.
	CodePartitionNotLeader    ErrorCode = 3001 // CodePartitionNotLeader: partition has another leader.
)

// codeInfo names a code and lists its payload: some ErrorCode variants
// carry fields, which must be decoded to find the rest of the response.
// Field kinds: s String, S Option<String>, q u64/i64, u u32, b u8 enum,
// r RecordData (varint length + bytes), R Option<RecordData>.
type codeInfo struct {
	name     string
	payload  string
	sentinel error
}

var errorCodes = map[ErrorCode]codeInfo{
	-1: {name: "UnknownServerError"}, 0: {name: "None"},
	1: {name: "OffsetOutOfRange"}, 2: {name: "Other", payload: "s"},
	6:  {name: "NotLeaderForPartition", sentinel: ErrNotLeader},
	7:  {name: "RequestTimedOut", payload: "qb", sentinel: ErrTimedOut},
	10: {name: "MessageTooLarge"}, 13: {name: "PermissionDenied"}, 56: {name: "StorageError"},
	60: {name: "InvalidCreateRequest"}, 61: {name: "InvalidDeleteRequest"},
	71: {name: "OffsetEvicted", payload: "qq"}, 72: {name: "PartitionFull", payload: "su"},
	73:   {name: "PartitionShortCircuited"},
	1000: {name: "SpuError"}, 1001: {name: "SpuRegisterationFailed"},
	1002: {name: "SpuOffline", sentinel: ErrSPUOffline},
	1003: {name: "SpuNotFound", sentinel: ErrSPUNotFound}, 1004: {name: "SpuAlreadyExists"},
	2000: {name: "TopicError"}, 2001: {name: "TopicNotFound", sentinel: ErrUnknownTopic},
	2002: {name: "TopicAlreadyExists", sentinel: ErrTopicExists},
	2003: {name: "TopicPendingInitialization"}, 2004: {name: "TopicInvalidConfiguration"},
	2005: {name: "TopicNotProvisioned"}, 2006: {name: "TopicInvalidName"},
	2007: {name: "TopicDeleted"}, 2008: {name: "TopicInvalidReplicaType"},
	3000: {name: "PartitionPendingInitialization"},
	3001: {name: "PartitionNotLeader", sentinel: ErrNotLeader},
	3002: {name: "FetchSessionNotFoud"}, 3003: {name: "OffsetFlushRequestError", payload: "s"},
	3004: {name: "OffsetManagementDisabled"}, 3005: {name: "MaxRetryReached"},
	5000: {name: "ManagedConnectorError"}, 5001: {name: "ManagedConnectorNotFound"},
	5002: {name: "ManagedConnectorAlreadyExists"},
	6000: {name: "SmartModuleError"}, 6001: {name: "SmartModuleNotFound", payload: "s"},
	6002: {name: "SmartModuleInvalid", payload: "sS"},
	6003: {name: "SmartModuleInvalidExports", payload: "ss"},
	6004: {name: "SmartModuleRuntimeError", payload: "sqbRr"},
	6005: {name: "SmartModuleChainInitError", payload: "s"},
	6006: {name: "SmartModuleInitError", payload: "s"},
	6007: {name: "SmartModuleLookBackError", payload: "s"},
	6008: {name: "SmartModuleMemoryLimitExceeded", payload: "qq"},
	7000: {name: "TableFormatError"}, 7001: {name: "TableFormatNotFound"},
	7002: {name: "TableFormatAlreadyExists"},
	8000: {name: "DerivedStreamObjectError"}, 8001: {name: "DerivedStreamNotFound", payload: "s"},
	8002: {name: "DerivedStreamJoinFetchError"}, 8003: {name: "DerivedStreamInvalid", payload: "s"},
	9000:  {name: "CompressionError"},
	10000: {name: "DeduplicationSmartModuleNotLoaded"},
	10001: {name: "DeduplicationSmartModuleNameInvalid", payload: "s"},
	11001: {name: "MirrorNotFound"}, 11002: {name: "MirrorAlreadyExists"},
	11003: {name: "MirrorProduceFromHome"}, 11004: {name: "MirrorDeleteFromRemote"},
	11005: {name: "MirrorInvalidType"}, 11006: {name: "MirrorProduceFromRemoteNotAllowed"},
	12001: {name: "SystemSpecDeletionAttempt", payload: "ss"},
	12002: {name: "SystemSpecUpdatingAttempt", payload: "ss"},
}

// String returns the code's Rust variant name, e.g. "TopicNotFound".
func (c ErrorCode) String() string {
	if info, ok := errorCodes[c]; ok {
		return info.name
	}
	return fmt.Sprintf("ErrorCode(%d)", int16(c))
}

// Error is an error code returned by the SC or an SPU, with the server's
// message when it sent one (the SC's Status.error_message, or the code's
// payload fields).
type Error struct {
	Code    ErrorCode // Code is the server's error code.
	Message string    // Message is the server's text, if any.
}

// Error formats the code name, number and the server's message.
func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("fluvio: %s (%d)", e.Code, int16(e.Code))
	}
	return fmt.Sprintf("fluvio: %s (%d): %s", e.Code, int16(e.Code), e.Message)
}

// Is makes errors.Is(err, ErrNotLeader) and the like true for matching codes.
func (e *Error) Is(target error) bool {
	info, ok := errorCodes[e.Code]
	return ok && info.sentinel != nil && info.sentinel == target
}

// codeError returns nil for CodeNone and an *Error otherwise.
func codeError(code ErrorCode, msg string) error {
	if code == CodeNone {
		return nil
	}
	return &Error{Code: code, Message: msg}
}

// readErrorCode decodes an ErrorCode: an i16 tag followed by the variant's
// fields. An unknown tag is a decoding error, because its payload length
// is unknown and nothing after it could be trusted.
func readErrorCode(r *reader) (ErrorCode, string) {
	code := ErrorCode(r.i16())
	info, ok := errorCodes[code]
	if !ok {
		r.failf("unknown error code %d", int16(code))
		return code, ""
	}
	var parts []string
	for _, kind := range info.payload {
		switch kind {
		case 's':
			parts = append(parts, r.str())
		case 'S':
			if r.present() {
				parts = append(parts, r.str())
			}
		case 'q':
			parts = append(parts, fmt.Sprint(r.i64()))
		case 'u':
			parts = append(parts, fmt.Sprint(r.u32()))
		case 'b':
			r.u8()
		case 'r':
			r.varBytes()
		case 'R':
			if r.present() {
				r.varBytes()
			}
		}
	}
	return code, strings.Join(parts, " ")
}
