package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// emptySHA256 is the hex SHA-256 of an empty payload.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// unsignedPayload is the payload hash that leaves the body out of the signature.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// timeFormat is the ISO 8601 basic format of X-Amz-Date.
const timeFormat = "20060102T150405Z"

// uriEncode percent-encodes every byte except the unreserved characters A-Z a-z 0-9 - _ . ~
// (and "/" when keepSlash is set), with upper-case hex, as SigV4 requires.
func uriEncode(s string, keepSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' || (keepSlash && c == '/') {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// receivedPath returns the request path exactly as the client sent it (still escaped): the
// request line's path, or for requests built in-process the URL's escaped path.
func receivedPath(r *http.Request) string {
	if uri := r.RequestURI; strings.HasPrefix(uri, "/") {
		path, _, _ := strings.Cut(uri, "?")
		return path
	}
	return r.URL.EscapedPath()
}

// canonicalURI encodes the path as received once more, segment by segment, as every SigV4
// service except S3 does: an SDK that sends /local/%40connections/abc%3D signed
// /local/%2540connections/abc%253D.
func canonicalURI(escapedPath string) string {
	if escapedPath == "" {
		return "/"
	}
	return uriEncode(escapedPath, true)
}

// queryParam is one decoded query parameter.
type queryParam struct{ key, value string }

// parseQuery decodes a raw query string, keeping repeated keys and their order.
func parseQuery(raw string) ([]queryParam, error) {
	var params []queryParam
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, err
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return nil, err
		}
		params = append(params, queryParam{key, value})
	}
	return params, nil
}

// canonicalQuery encodes params (skipping the key skip) sorted by encoded key, then value.
func canonicalQuery(params []queryParam, skip string) string {
	enc := make([]queryParam, 0, len(params))
	for _, p := range params {
		if p.key == skip {
			continue
		}
		enc = append(enc, queryParam{uriEncode(p.key, false), uriEncode(p.value, false)})
	}
	sort.Slice(enc, func(i, j int) bool {
		if enc[i].key != enc[j].key {
			return enc[i].key < enc[j].key
		}
		return enc[i].value < enc[j].value
	})
	var b strings.Builder
	for i, p := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.key)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// headerValue is the canonical value of one signed header: its values as received joined with
// ",", each trimmed with inner runs of spaces collapsed. host comes from r.Host (net/http moves
// it out of r.Header) and content-length from r.ContentLength when the header map lacks it.
func headerValue(r *http.Request, name string) string {
	var values []string
	switch name {
	case "host":
		values = []string{r.Host}
	default:
		values = r.Header.Values(name)
		if len(values) == 0 && name == "content-length" && r.ContentLength >= 0 {
			values = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	}
	cleaned := make([]string, len(values))
	for i, v := range values {
		cleaned[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(cleaned, ",")
}

// canonicalRequest assembles the canonical request of SigV4.
func canonicalRequest(method, uri, query string, r *http.Request, signed []string, signedRaw, payloadHash string) string {
	var b strings.Builder
	b.WriteString(method)
	b.WriteByte('\n')
	b.WriteString(uri)
	b.WriteByte('\n')
	b.WriteString(query)
	b.WriteByte('\n')
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(headerValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(signedRaw)
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// stringToSign hashes the canonical request into SigV4's string to sign.
func stringToSign(amzDate, scope, canonical string) string {
	return Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hashHex([]byte(canonical))
}

// signature derives the signing key from secret and scope and signs sts.
func signature(secret string, c Credential, sts string) string {
	key := hmacSHA256([]byte("AWS4"+secret), c.Date)
	key = hmacSHA256(key, c.Region)
	key = hmacSHA256(key, c.Service)
	key = hmacSHA256(key, c.Terminator)
	return hex.EncodeToString(hmacSHA256(key, sts))
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func hashHex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
