package event

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// Switchboard ids look like AWS's: 16 characters, the URL-safe base64 (A–Z a–z 0–9 - _) of 11
// bytes with one trailing '=' (reference §2.7). Clients treat them as opaque strings; Switchboard
// gives the 11 bytes this layout so that a later cluster mode can send an @connections call to the
// node that holds the connection without any lookup:
//
//	bytes 0–5   random (crypto/rand), 48 bits per id
//	byte  6     kind: KindConnection, KindRequest or KindMessage
//	bytes 7–10  the NodeID of the node that minted the id
//
// So every id minted by one node ends with the same characters, as AWS's ids of one connection
// share their trailing bytes. With 48 random bits, two ids of the same kind minted by one node
// collide with probability n²/2⁴⁹ among n ids (about 1 in 55,000 for n = 100,000 and 1 in 560
// for a million live connections): whoever stores ids by key must treat a duplicate connection id
// as "mint another one", never overwrite.

// Kind markers stored in byte 6 of an id; ParseID reports them and rejects any other value.
const (
	KindConnection byte = 'c'
	KindRequest    byte = 'r'
	KindMessage    byte = 'm'
)

const (
	idRawLen   = 11 // bytes behind an id
	idLen      = 16 // characters of an id, the trailing '=' included
	idKindByte = 6
	idNodeByte = 7
)

// NodeID identifies the Switchboard node that minted an id. It occupies the last four bytes of
// every id (see the layout above).
type NodeID [4]byte

// NewNodeID returns a random NodeID, the default when the config names no node (server.nodeId).
func NewNodeID() NodeID {
	var n NodeID
	rand.Read(n[:]) // never returns an error since Go 1.24; it aborts the program instead
	return n
}

// NodeIDFromString derives a NodeID from a configured node name: the first four bytes of the
// name's SHA-256, so the same name gives the same NodeID on every start and every platform.
// Distinct names may collide (1 in 2³² per pair); operators of large clusters should check the
// String of each node's id.
func NodeIDFromString(name string) NodeID {
	sum := sha256.Sum256([]byte(name))
	var n NodeID
	copy(n[:], sum[:len(n)])
	return n
}

// String returns the NodeID as 8 lowercase hex characters, e.g. "0a1b2c3d".
func (n NodeID) String() string {
	return hex.EncodeToString(n[:])
}

// IDs mints connection, request and message ids for one node. It holds no mutable state, so one
// *IDs is safe for concurrent use by any number of goroutines; each id costs one crypto/rand
// read (see BenchmarkIDs).
type IDs struct {
	node NodeID
}

// NewIDs returns a minter whose ids carry node.
func NewIDs(node NodeID) *IDs {
	return &IDs{node: node}
}

// Node returns the NodeID the minter puts into its ids.
func (g *IDs) Node() NodeID {
	return g.node
}

// ConnectionID returns a new requestContext.connectionId.
func (g *IDs) ConnectionID() string { return g.mint(KindConnection) }

// RequestID returns a new requestContext.requestId (which is also the extendedRequestId).
func (g *IDs) RequestID() string { return g.mint(KindRequest) }

// MessageID returns a new requestContext.messageId for a MESSAGE event.
func (g *IDs) MessageID() string { return g.mint(KindMessage) }

// MessageIDs returns a new requestContext.requestId and messageId for a MESSAGE event. They are
// the same as RequestID and MessageID would return, minted together for half the cost: one
// random read and one allocation.
func (g *IDs) MessageIDs() (requestID, messageID string) {
	var random [2 * idKindByte]byte
	rand.Read(random[:])
	var out [2 * idLen]byte
	g.encode(out[:idLen], random[:idKindByte], KindRequest)
	g.encode(out[idLen:], random[idKindByte:], KindMessage)
	both := string(out[:])
	return both[:idLen], both[idLen:]
}

func (g *IDs) mint(kind byte) string {
	var random [idKindByte]byte
	rand.Read(random[:])
	var out [idLen]byte
	g.encode(out[:], random[:], kind)
	return string(out[:])
}

// encode writes the id made of random (idKindByte bytes), kind and the node into dst (idLen
// bytes).
func (g *IDs) encode(dst, random []byte, kind byte) {
	var raw [idRawLen]byte
	copy(raw[:idKindByte], random)
	raw[idKindByte] = kind
	copy(raw[idNodeByte:], g.node[:])
	base64.URLEncoding.Encode(dst, raw[:])
}

// ParseID reports the node and kind of an id minted by IDs. ok is false for anything that is not
// exactly that format (see WellFormedID) or has an unknown kind byte.
func ParseID(id string) (node NodeID, kind byte, ok bool) {
	raw, ok := decodeID(id)
	if !ok {
		return NodeID{}, 0, false
	}
	switch raw[idKindByte] {
	case KindConnection, KindRequest, KindMessage:
	default:
		return NodeID{}, 0, false
	}
	copy(node[:], raw[idNodeByte:])
	return node, raw[idKindByte], true
}

// WellFormedID reports whether id has the form of an API Gateway id, whoever minted it: 16
// characters of URL-safe base64 encoding 11 bytes, ending in one '=', canonically encoded. The
// management API answers 400 for ids that are not, and 410 for well-formed ids it does not hold.
func WellFormedID(id string) bool {
	_, ok := decodeID(id)
	return ok
}

// decodeID decodes a well-formed id: length 16, the URL-safe alphabet, one trailing '=', and zero
// unused low bits in the last character (a non-canonical encoding of the same bytes is refused).
func decodeID(id string) (raw [idRawLen]byte, ok bool) {
	if len(id) != idLen || id[idLen-1] != '=' {
		return raw, false
	}
	for i := 0; i < idLen-1; i++ {
		if !isURLBase64(id[i]) {
			return raw, false
		}
	}
	// Strict rejects non-zero padding bits; the alphabet loop above already ruled out the
	// CR/LF that the decoder would otherwise skip.
	n, err := base64.URLEncoding.Strict().Decode(raw[:], []byte(id))
	return raw, err == nil && n == idRawLen
}

func isURLBase64(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// apiIDAlphabet is the alphabet of AWS API ids (reference §2.7: 10 lowercase alphanumerics).
const apiIDAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz"

// APIIDFromName derives a 10-character lowercase alphanumeric API id (requestContext.apiId) from
// an API name: character i is byte i of the name's SHA-256 modulo 36, in the alphabet 0–9a–z.
// The same name always gives the same id; the config's default `apiId` is this id of its `name`.
func APIIDFromName(name string) string {
	sum := sha256.Sum256([]byte(name))
	var out [10]byte
	for i := range out {
		out[i] = apiIDAlphabet[int(sum[i])%len(apiIDAlphabet)]
	}
	return string(out[:])
}
