package route

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// describe renders the parsed form of e so tests can compare structure: literals are quoted,
// variables are shown as body paths.
func describe(e *Expression) string {
	var parts []string
	for _, p := range e.parts {
		if p.path == nil {
			parts = append(parts, fmt.Sprintf("%q", p.lit))
			continue
		}
		var sb strings.Builder
		sb.WriteString("body")
		for _, s := range p.path {
			if s.index < 0 {
				fmt.Fprintf(&sb, ".%q", s.key)
			} else {
				fmt.Fprintf(&sb, "[%d]", s.index)
			}
		}
		parts = append(parts, sb.String())
	}
	return strings.Join(parts, " + ")
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		expr string
		want string
	}{
		{`$request.body.action`, `body."action"`},
		{`${request.body.action}`, `body."action"`},
		{`$request.body.a.b`, `body."a"."b"`},
		{`${request.body.a.b.c}`, `body."a"."b"."c"`},
		{`${request.body.service}/${request.body.action}`, `body."service" + "/" + body."action"`},
		{`$request.body.service/$request.body.action`, `body."service" + "/" + body."action"`},
		{`${request.body.action}-${request.body.nope}`, `body."action" + "-" + body."nope"`},
		{`${request.body.version}-beta`, `body."version" + "-beta"`},
		{`$request.body.version-beta`, `body."version-beta"`},
		{`\$default`, `"$default"`},
		{`static`, `"static"`},
		{`a\b`, `"a\\b"`},
		{`price: \$$request.body.price`, `"price: $" + body."price"`},
		{`$request.body[2]`, `body[2]`},
		{`$request.body.items[0].name`, `body."items"[0]."name"`},
		{`${request.body[10][0]}`, `body[10][0]`},
		{`${request.body.a b/c-d}`, `body."a b/c-d"`},
		{`${request.body.$type}`, `body."$type"`},
		{`$request.body.действие`, `body."действие"`},
		{`$request.body.a$request.body.b`, `body."a" + body."b"`},
		{`{$request.body.a}`, `"{" + body."a" + "}"`},
		{`${request.body.a}}`, `body."a" + "}"`},
		{`$request.body.a `, `body."a" + " "`},
		{`$request.body.a]`, `body."a" + "]"`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e, err := Parse(tt.expr)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.expr, err)
			}
			if got := describe(e); got != tt.want {
				t.Errorf("Parse(%q) = %s, want %s", tt.expr, got, tt.want)
			}
			if e.String() != tt.expr {
				t.Errorf("String() = %q, want %q", e.String(), tt.expr)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		expr string
		pos  int    // byte offset the error points at
		msg  string // substring of the message
	}{
		{``, 0, "empty"},
		{`$request.header.x-api-key`, 9, `"$request.header" is not available`},
		{`${request.querystring.a}`, 10, `"$request.querystring" is not available`},
		{`$context.routeKey`, 0, `unsupported variable "$context"`},
		{`$stageVariables.x`, 0, `unsupported variable "$stageVariables"`},
		{`$Request.body.a`, 0, `unsupported variable "$Request"`},
		{`$request.Body.a`, 9, `"$request.Body" is not available`},
		{`$default`, 0, `write \$default`},
		{`x$connect`, 1, `write \$connect`},
		{`$request.body`, 13, "missing path"},
		{`${request.body}`, 14, "missing path"},
		{`$request.body/x`, 13, "missing path"},
		{`$request.bodyx`, 9, `"$request.bodyx" is not available`},
		{`$request`, 8, `expected ".body"`},
		{`$request.body-x`, 13, `must be followed by ".name" or "[N]"`},
		{`$request.body.`, 14, "empty path segment"},
		{`$request.body.a..b`, 16, "recursive descent"},
		{`$request.body..a`, 14, "recursive descent"},
		{`${request.body.a.}`, 17, "empty path segment"},
		{`${request.body.action`, 0, `unterminated "${"`},
		{`abc ${`, 4, `unterminated "${"`},
		{`${}`, 2, "expected a variable"},
		{`${ request.body.a}`, 2, "expected a variable"},
		{`$`, 0, `unescaped "$"`},
		{`cost $5`, 5, `unsupported variable "$5"`},
		{`a $ b`, 2, `unescaped "$"`},
		{`$request.body.*`, 14, "wildcards"},
		{`$request.body[*]`, 14, "wildcards"},
		{`$request.body[-1]`, 14, "negative"},
		{`$request.body[0:2]`, 14, "slices"},
		{`$request.body[?(@.a)]`, 14, "filters"},
		{`$request.body['a']`, 14, "quoted member names"},
		{`$request.body[]`, 14, "empty array index"},
		{`$request.body[1x]`, 15, "non-negative integer"},
		{`$request.body[99999999999999999999]`, 14, "too large"},
		{`$request.body[0`, 13, `unterminated "["`},
		{`${request.body[0}`, 14, `unterminated "["`},
		{`$request.body[0]x`, 16, `unexpected 'x'`},
		{`${request.body.a{b}`, 16, `unexpected '{'`},
		{`${request.body.a]}`, 16, `unexpected ']'`},
		{"$request.body.a\xff", 15, "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e, err := Parse(tt.expr)
			if err == nil {
				t.Fatalf("Parse(%q) = %s, want an error", tt.expr, describe(e))
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T is not a *ParseError", tt.expr, err)
			}
			if pe.Pos != tt.pos || pe.Expr != tt.expr {
				t.Errorf("Parse(%q): Pos=%d Expr=%q, want Pos=%d (%v)", tt.expr, pe.Pos, pe.Expr, tt.pos, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Parse(%q) error %q does not mention %q", tt.expr, err, tt.msg)
			}
		})
	}
}

func TestParseErrorColumn(t *testing.T) {
	_, err := Parse(`é $request.header.x`)
	const want = `route selection expression "é $request.header.x": column 12: "$request.header" is not available for WebSocket route selection; use $request.body.<path>`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant    %s", err, want)
	}
}
