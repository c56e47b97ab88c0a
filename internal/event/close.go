package event

// CloseReason returns the disconnectReason API Gateway reports for a connection that closed
// with code when the reason did not come from the client. When the client itself sent a close
// frame with a code, pass the client's own reason text instead: the one captured browser close
// (code 1001, the tab going away) arrived as disconnectReason "" (aws-lambda-go testdata).
//
// Evidence per code (reference §2.4, §5.2):
//   - 1000 "Connection Closed Normally": observed after DeleteConnection [OBS].
//   - 1005 "Client-side close frame status not set": the client sent a close frame without a
//     code [DOC, OBS].
//   - 1001 "Going away": what the gateway uses for its own idle-timeout and maximum-duration
//     closes here. [UNVERIFIED] — no capture of a gateway-initiated 1001 reason was found; the
//     text is RFC 6455's name for the code, in the sentence case AWS uses.
//   - 1003, 1006, 1008, 1009, 1011, 1012: RFC 6455 / IANA names of the codes in the same
//     sentence case. [UNVERIFIED] for every one of them.
//
// Any other code gives "".
func CloseReason(code int) string {
	switch code {
	case 1000:
		return "Connection Closed Normally"
	case 1001:
		return "Going away"
	case 1003:
		return "Unsupported data"
	case 1005:
		return "Client-side close frame status not set"
	case 1006:
		return "Abnormal closure"
	case 1008:
		return "Policy violation"
	case 1009:
		return "Message too big"
	case 1011:
		return "Internal error"
	case 1012:
		return "Service restart"
	}
	return ""
}
