package config

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// TagSource says where a connection tag's value comes from.
type TagSource uint8

// The sources of a connection tag's value.
const (
	TagLiteral    TagSource = iota // the value as written
	TagQuery                       // $request.querystring.NAME
	TagHeader                      // $request.header.NAME (case-insensitive)
	TagAuthorizer                  // $context.authorizer.NAME (principalId or a context key)
	TagSourceIP                    // $context.identity.sourceIp
)

// TagValue is a parsed `connectionTags` value.
type TagValue struct {
	Source TagSource
	// Name is the query parameter, header or authorizer key; the literal for TagLiteral.
	Name string
}

// The limits of connection tags: keys and values are at most this many characters, and a
// connection carries at most MaxTags of them.
const (
	MaxTagKeyLength   = 128
	MaxTagValueLength = 256
	MaxTags           = 50
)

// ParseTagValue parses a `connectionTags` value: $request.querystring.NAME,
// $request.header.NAME, $context.authorizer.NAME, $context.identity.sourceIp, or a literal (any
// text that does not start with "$").
func ParseTagValue(s string) (TagValue, error) {
	if !strings.HasPrefix(s, "$") {
		return TagValue{Source: TagLiteral, Name: s}, nil
	}
	for _, p := range []struct {
		prefix string
		src    TagSource
	}{
		{"$request.querystring.", TagQuery},
		{"$request.header.", TagHeader},
		{"$context.authorizer.", TagAuthorizer},
	} {
		if name, ok := strings.CutPrefix(s, p.prefix); ok && name != "" {
			return TagValue{Source: p.src, Name: name}, nil
		}
	}
	if s == "$context.identity.sourceIp" {
		return TagValue{Source: TagSourceIP}, nil
	}
	return TagValue{}, fmt.Errorf("%q is not a value Switchboard can take at the handshake: use $request.querystring.NAME, "+
		"$request.header.NAME, $context.authorizer.NAME, $context.identity.sourceIp, or a literal that does not start with $", s)
}

// CheckTag checks one tag's key and value against the limits above.
func CheckTag(key, value string) error {
	switch {
	case key == "":
		return fmt.Errorf("a tag key may not be empty")
	case utf8.RuneCountInString(key) > MaxTagKeyLength:
		return fmt.Errorf("tag key %.40q… is longer than %d characters", key, MaxTagKeyLength)
	case utf8.RuneCountInString(value) > MaxTagValueLength:
		return fmt.Errorf("the value of tag %q is longer than %d characters", key, MaxTagValueLength)
	case !utf8.ValidString(key) || !utf8.ValidString(value):
		return fmt.Errorf("tag %q is not valid UTF-8", key)
	}
	return nil
}

// connectionTags checks `connectionTags`.
func (ck *checker) connectionTags() {
	tags := ck.c.ConnectionTags
	if len(tags) > MaxTags {
		ck.add("connectionTags", "may name at most %d tags, got %d", MaxTags, len(tags))
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := joinPath("connectionTags", k)
		if err := CheckTag(k, ""); err != nil {
			ck.add(p, "%v", err)
			continue
		}
		v, err := ParseTagValue(tags[k])
		if err == nil && v.Source == TagLiteral {
			err = CheckTag(k, v.Name)
		}
		if err != nil {
			ck.add(p, "%v", err)
		}
	}
}
