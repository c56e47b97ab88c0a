package route

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// referenceEval is a deliberately naive second implementation of Expression.Eval built on
// encoding/json: it unmarshals each level of the path (so repeated names resolve the way
// encoding/json resolves them) and renders the value from the decoder's token stream. FuzzEval
// checks that the in-place scanner agrees with it on arbitrary bodies.
func referenceEval(e *Expression, body []byte) (string, bool) {
	if !json.Valid(body) {
		return "", false
	}
	var sb strings.Builder
	for _, p := range e.parts {
		if p.path == nil {
			sb.WriteString(p.lit)
			continue
		}
		if raw, ok := referenceLookup(body, p.path); ok {
			if err := referenceRender(&sb, raw); err != nil {
				// Unreachable for a valid body; make any surprise visible as a mismatch.
				sb.WriteString("<render error: " + err.Error() + ">")
			}
		}
	}
	return sb.String(), true
}

func referenceLookup(body []byte, path []step) (json.RawMessage, bool) {
	cur := json.RawMessage(body)
	for _, s := range path {
		if s.index < 0 {
			var m map[string]json.RawMessage
			if json.Unmarshal(cur, &m) != nil {
				return nil, false
			}
			v, ok := m[s.key]
			if !ok {
				return nil, false
			}
			cur = v
			continue
		}
		var a []json.RawMessage
		if json.Unmarshal(cur, &a) != nil || s.index >= len(a) {
			return nil, false
		}
		cur = a[s.index]
	}
	return cur, true
}

func referenceRender(sb *strings.Builder, raw json.RawMessage) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return renderTokens(sb, dec)
}

func renderTokens(sb *strings.Builder, dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		sb.WriteRune(rune(t))
		for n := 0; dec.More(); n++ {
			if n > 0 {
				sb.WriteString(", ")
			}
			if t == '{' {
				name, err := dec.Token()
				if err != nil {
					return err
				}
				sb.WriteString(name.(string))
				sb.WriteByte('=')
			}
			if err := renderTokens(sb, dec); err != nil {
				return err
			}
		}
		end, err := dec.Token()
		if err != nil {
			return err
		}
		sb.WriteRune(rune(end.(json.Delim)))
	case string:
		sb.WriteString(t)
	case json.Number:
		sb.WriteString(t.String())
	case bool:
		sb.WriteString(strconv.FormatBool(t))
	case nil:
		sb.WriteString("null")
	}
	return nil
}

// fuzzExpression builds one of a few expression shapes around a fuzzed member name.
func fuzzExpression(name string, shape uint8) string {
	switch shape % 7 {
	case 0:
		return "${request.body." + name + "}"
	case 1:
		return "${request.body." + name + "." + name + "}"
	case 2:
		return "${request.body[0]." + name + "}"
	case 3:
		return "${request.body." + name + "[1]}"
	case 4:
		return "pre-${request.body." + name + "}/${request.body.x}"
	case 5:
		return "$request.body.action"
	default:
		return `\$static`
	}
}

// existingPaths lists up to 16 expressions naming values present in body (members and elements
// up to two levels deep), found with encoding/json.
func existingPaths(body []byte) []string {
	var root any
	if json.Unmarshal(body, &root) != nil {
		return nil
	}
	var out []string
	var walk func(prefix string, v any, depth int)
	walk = func(prefix string, v any, depth int) {
		if depth == 2 {
			return
		}
		switch v := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				child := v[k]
				if k == "" || strings.ContainsAny(k, ".[]{}") {
					continue // not expressible as a path segment
				}
				out = append(out, "${"+prefix+"."+k+"}")
				walk(prefix+"."+k, child, depth+1)
			}
		case []any:
			for i, child := range v {
				out = append(out, "${"+prefix+"["+strconv.Itoa(i)+"]}")
				walk(prefix+"["+strconv.Itoa(i)+"]", child, depth+1)
			}
		}
	}
	walk("request.body", root, 0)
	return out[:min(len(out), 16)]
}

func FuzzEval(f *testing.F) {
	seeds := []struct {
		body  string
		name  string
		shape uint8
	}{
		{docBody, "action", 0},
		{docBody, "data", 1},
		{`{"data":{"data":"x"}}`, "data", 1},
		{`[{"a":"b"}]`, "a", 2},
		{`{"a":[0,"one",2]}`, "a", 3},
		{`{"action":"send\u004dessage","x":1.5e3}`, "action", 4},
		{`{"action":"first","\u0061ction":"second"}`, "action", 5},
		{`{"a":{"b":[true,null,{"c":"d"}]}}`, "a", 0},
		{`{"\ud83d\ude00":"smile","k":"\ud800"}`, "😀", 0},
		{"{\"k\xff\":\"v\xfe\"}", "k\uFFFD", 0},
		{`{"a\"b":"q","a\\":"r"}`, `a"b`, 0},
		{`{"x":"}]\"{[","action":"late"}`, "action", 5},
		{`  [ ]  `, "a", 2},
		{`"top"`, "a", 6},
		{"{\"n\":-1.5e3\r,\"t\":true\t,\"f\":false\n,\"z\":null }", "n", 0},
		{"[ 1\r, [\"x\"\n]\t]", "a", 2},
		{`not json`, "a", 0},
		{`{"a":`, "a", 0},
	}
	for _, s := range seeds {
		f.Add([]byte(s.body), s.name, s.shape)
	}
	f.Fuzz(func(t *testing.T, body []byte, name string, shape uint8) {
		src := fuzzExpression(name, shape)
		e, err := Parse(src)
		if err != nil {
			return // names with '.', '[', '}' ... make other expressions; FuzzParse covers them
		}
		got, ok := e.Eval(body)
		want, wantOK := referenceEval(e, body)
		if got != want || ok != wantOK {
			t.Fatalf("expression %q, body %q:\n  Eval      = (%q, %v)\n  reference = (%q, %v)", src, body, got, ok, want, wantOK)
		}

		// Select must follow AWS's rule on top of Eval.
		table := NewTable(e, map[string]string{keyDefault: "D", name: "N", keyConnect: "C", keyDisconnect: "X"})
		key, v, selected := table.Select(body)
		wantKey := keyDefault
		if ok && got != "" && got != keyConnect && got != keyDisconnect {
			if _, exists := table.Get(got); exists {
				wantKey = got
			}
		}
		if wantV, _ := table.Get(wantKey); !selected || key != wantKey || v != wantV {
			t.Fatalf("expression %q, body %q: Select = (%q, %q, %v), want (%q, %q, true)", src, body, key, v, selected, wantKey, wantV)
		}

		// Paths that exist in the body, so that the comparison reaches real values of every type.
		for _, src := range existingPaths(body) {
			e, err := Parse(src)
			if err != nil {
				t.Fatalf("existing path %q does not parse: %v", src, err)
			}
			got, ok := e.Eval(body)
			want, wantOK := referenceEval(e, body)
			if got != want || ok != wantOK {
				t.Fatalf("expression %q, body %q:\n  Eval      = (%q, %v)\n  reference = (%q, %v)", src, body, got, ok, want, wantOK)
			}
		}

		// The scanner must survive malformed input when called without json.Valid.
		for _, p := range e.parts {
			if start, end, found := lookup(body, p.path); found && p.path != nil {
				_ = appendValue(nil, body[start:end])
			}
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`$request.body.action`, `${request.body.service}/${request.body.action}`, `\$default`,
		`$request.body[2]`, `${request.body.a[0].b}`, `$request.header.x`, `${request.body.a`,
		`$request.body[`, `$request.body.a..b`, `x$`, `static`, `${request.body.a b}`,
	} {
		f.Add(s)
	}
	body := []byte(`{"action":"join","a":{"b":[1,"two",{"c":null}]},"service":"chat"}`)
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Parse(src)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T is not a *ParseError", src, err)
			}
			if pe.Pos < 0 || pe.Pos > len(src) || pe.Expr != src || pe.Msg == "" {
				t.Fatalf("Parse(%q): bad ParseError %+v", src, pe)
			}
			_ = err.Error()
			return
		}
		if e.String() != src || len(e.parts) == 0 {
			t.Fatalf("Parse(%q) = %q with %d parts", src, e.String(), len(e.parts))
		}
		for _, p := range e.parts {
			if p.path == nil && p.lit == "" {
				t.Fatalf("Parse(%q) produced an empty literal part", src)
			}
		}
		got, ok := e.Eval(body)
		want, wantOK := referenceEval(e, body)
		if got != want || ok != wantOK {
			t.Fatalf("expression %q: Eval = (%q, %v), reference = (%q, %v)", src, got, ok, want, wantOK)
		}
	})
}
