package lambdaauth

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// sourceKind is where an identity source is read from.
type sourceKind int

const (
	fromHeader sourceKind = iota
	fromQuery
	fromStageVariable
	fromContext
)

// source is one parsed identity source.
type source struct {
	kind sourceKind
	name string
	raw  string
}

// sourceName is CDK's validation of identity source names.
var sourceName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// parseSource reads one WebSocket identity source (reference §7.3):
// route.request.header.{Name}, route.request.querystring.{Name}, stageVariables.{Name} or
// context.{path}.
func parseSource(s string) (source, error) {
	prefixes := []struct {
		prefix string
		kind   sourceKind
	}{
		{"route.request.header.", fromHeader},
		{"route.request.querystring.", fromQuery},
		{"stageVariables.", fromStageVariable},
		{"context.", fromContext},
	}
	for _, p := range prefixes {
		if name, ok := strings.CutPrefix(s, p.prefix); ok {
			if !sourceName.MatchString(name) {
				return source{}, fmt.Errorf("identity source %q: the name must match [A-Za-z0-9._-]+", s)
			}
			return source{kind: p.kind, name: name, raw: s}, nil
		}
	}
	if strings.HasPrefix(s, "$request.") {
		return source{}, fmt.Errorf("identity source %q uses HTTP API syntax; WebSocket APIs write route.request.header.Name or route.request.querystring.Name", s)
	}
	return source{}, fmt.Errorf("identity source %q must start with route.request.header., route.request.querystring., stageVariables. or context.", s)
}

// value returns the source's value in ev; ok is false when it is absent or empty, which AWS
// answers with 401 without invoking the authorizer. Header names match case-insensitively.
func (s source) value(ev *Event, requestContext map[string]any) (string, bool) {
	var v string
	switch s.kind {
	case fromHeader:
		v, _ = lookupFold(ev.Headers, s.name)
	case fromQuery:
		v = ev.QueryStringParameters[s.name]
	case fromStageVariable:
		v = ev.StageVariables[s.name]
	case fromContext:
		v = contextValue(requestContext, s.name)
	}
	return v, v != ""
}

// contextValue walks a dotted path (identity.sourceIp) through the requestContext object and
// renders a scalar found there as a string.
func contextValue(m map[string]any, path string) string {
	var cur any = m
	for part := range strings.SplitSeq(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = obj[part]
	}
	switch v := cur.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}
