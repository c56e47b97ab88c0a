package apigw

import (
	"encoding/base64"
	"encoding/json"
	"hash/fnv"
	"maps"
	"net/http"
	"slices"
)

// ErrBadToken is the answer to a nextToken that was not issued for the same filter (400).
var ErrBadToken = &Error{Status: http.StatusBadRequest, Type: "BadRequestException", Message: "Invalid nextToken"}

// listToken is a nextToken's content: where the next page starts and which filter it is for.
type listToken struct {
	After  string `json:"a"`
	Filter uint64 `json:"f"`
}

// filterHash identifies a tag filter, so that a token is used with the filter it was made for.
func filterHash(tags map[string]string) uint64 {
	h := fnv.New64a()
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		_, _ = h.Write([]byte(k))
		_, _ = h.Write([]byte{0})
		_, _ = h.Write([]byte(tags[k]))
		_, _ = h.Write([]byte{0})
	}
	return h.Sum64()
}

// EncodeListToken returns the opaque nextToken of the page that starts after the connection id
// after, for the tag filter tags.
func EncodeListToken(after string, tags map[string]string) string {
	b, _ := json.Marshal(listToken{After: after, Filter: filterHash(tags)})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeListToken returns the connection id a nextToken starts after: "" for an empty token,
// ErrBadToken for a token that is malformed or was made for another filter.
func DecodeListToken(token string, tags map[string]string) (string, error) {
	if token == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", ErrBadToken
	}
	var t listToken
	if err := json.Unmarshal(b, &t); err != nil || t.After == "" || t.Filter != filterHash(tags) {
		return "", ErrBadToken
	}
	return t.After, nil
}
