package bench

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
)

// A benchmark message is one JSON object:
//
//	{"action":"echo","seq":42,"t":1763712000000000000,"data":"xxxx…"}
//
// action is the route action (API Gateway's default route selection is $request.body.action), seq
// numbers the messages of one connection, t is the sender's wall clock in Unix nanoseconds (for
// tools on the server side; latency is measured from the sender's own record), and data pads the
// message to the requested size. A message is never shorter than its envelope.

// messageBuilder renders messages for one run; it is immutable and safe to share.
type messageBuilder struct {
	prefix []byte // {"action":"…","seq":
	size   int
}

func newMessageBuilder(action string, size int) messageBuilder {
	a, _ := json.Marshal(action) // a string always marshals
	p := append([]byte(`{"action":`), a...)
	p = append(p, `,"seq":`...)
	return messageBuilder{prefix: p, size: size}
}

const (
	timeField = `,"t":`
	dataField = `,"data":"`
	closing   = `"}`
)

// appendMessage appends message seq, stamped with t, to dst and returns the extended slice.
func (b messageBuilder) appendMessage(dst []byte, seq uint64, t int64) []byte {
	start := len(dst)
	dst = append(dst, b.prefix...)
	dst = strconv.AppendUint(dst, seq, 10)
	dst = append(dst, timeField...)
	dst = strconv.AppendInt(dst, t, 10)
	dst = append(dst, dataField...)
	pad := b.size - (len(dst) - start) - len(closing)
	for ; pad > 0; pad-- {
		dst = append(dst, 'x')
	}
	return append(dst, closing...)
}

var seqKey = []byte(`"seq":`)

// parseSeq finds the seq field of a reply without decoding the whole message. The envelope puts
// seq before any user-controlled text except the JSON-encoded action, in which `"seq":` cannot
// occur (its quotes would be escaped).
func parseSeq(msg []byte) (uint64, bool) {
	i := bytes.Index(msg, seqKey)
	if i < 0 {
		return 0, false
	}
	rest := msg[i+len(seqKey):]
	for len(rest) > 0 && (rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\n' || rest[0] == '\r') {
		rest = rest[1:]
	}
	var seq uint64
	n := 0
	for ; n < len(rest) && rest[n] >= '0' && rest[n] <= '9'; n++ {
		d := uint64(rest[n] - '0')
		if seq > (math.MaxUint64-d)/10 {
			return 0, false
		}
		seq = seq*10 + d
	}
	return seq, n > 0
}
