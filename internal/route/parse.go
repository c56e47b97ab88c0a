package route

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxIndex bounds array indexes in a path; larger values cannot address anything in a message
// that fits the 128 KB message quota anyway.
const maxIndex = 1<<31 - 1

// ParseError reports an expression that Parse rejects. Use errors.As to read the position.
type ParseError struct {
	// Expr is the expression as written.
	Expr string
	// Pos is the byte offset in Expr of the offending character (len(Expr) for "ended too soon").
	Pos int
	// Msg says what is wrong at Pos.
	Msg string
}

// Error names the expression, the 1-based column (counted in characters) and the problem.
func (e *ParseError) Error() string {
	col := utf8.RuneCountInString(e.Expr[:min(max(e.Pos, 0), len(e.Expr))]) + 1
	return fmt.Sprintf("route selection expression %q: column %d: %s", e.Expr, col, e.Msg)
}

// Parse parses a WebSocket route selection expression.
//
// The language is AWS's selection-expression language restricted to what a WebSocket route
// selection can read:
//
//   - $request.body.<path> is a variable, e.g. $request.body.action. Without braces the path runs
//     over letters, digits, '_', '-', non-ASCII characters, '.' between segments and [N] indexes.
//   - ${request.body.<path>} is the same variable with explicit boundaries; inside the braces a
//     segment may hold any character except . [ ] { }.
//   - <path> is one or more steps: .name selects an object member (exact, case-sensitive match)
//     and [N] selects element N (from 0) of an array; the first step may be [N]
//     ($request.body[2] for bodies that are JSON arrays).
//   - Any other text is literal, so ${request.body.service}/${request.body.action} is valid and an
//     expression without variables is a static key (AWS allows "just one static value").
//   - \$ is a literal dollar sign (\$default); a backslash before anything else is literal.
//
// Everything else is rejected with a *ParseError naming the column: other variables
// ($request.header.x, $context.x, $stageVariables.x), $request.body without a path, empty path
// segments, unterminated ${ or [, a bare $, and the JSONPath features outside the subset above
// (wildcards, recursive descent, slices, filters, quoted names, negative indexes).
func Parse(expr string) (*Expression, error) {
	if expr == "" {
		return nil, &ParseError{Expr: expr, Msg: "expression is empty"}
	}
	if !utf8.ValidString(expr) {
		pos := 0
		for pos < len(expr) {
			r, size := utf8.DecodeRuneInString(expr[pos:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			pos += size
		}
		return nil, &ParseError{Expr: expr, Pos: pos, Msg: "expression is not valid UTF-8"}
	}
	p := parser{src: expr}
	if err := p.run(); err != nil {
		return nil, err
	}
	return &Expression{src: expr, parts: p.parts}, nil
}

// parser turns an expression into parts. Positions in errors are offsets into src.
type parser struct {
	src   string
	parts []part
	lit   strings.Builder
}

func (p *parser) fail(pos int, format string, args ...any) error {
	return &ParseError{Expr: p.src, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) flushLiteral() {
	if p.lit.Len() > 0 {
		p.parts = append(p.parts, part{lit: p.lit.String()})
		p.lit.Reset()
	}
}

func (p *parser) run() error {
	s := p.src
	for i := 0; i < len(s); {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '$':
			p.lit.WriteByte('$')
			i += 2
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return p.fail(i, `unterminated "${": missing "}"`)
			}
			path, err := p.variable(i, i+2, i+2+end, true)
			if err != nil {
				return err
			}
			p.flushLiteral()
			p.parts = append(p.parts, part{path: path})
			i = i + 2 + end + 1
		case s[i] == '$':
			path, next, err := p.bareVariable(i)
			if err != nil {
				return err
			}
			p.flushLiteral()
			p.parts = append(p.parts, part{path: path})
			i = next
		default:
			p.lit.WriteByte(s[i])
			i++
		}
	}
	p.flushLiteral()
	return nil
}

// bareVariable parses an unbraced variable whose "$" is at dollar and returns where it ends.
func (p *parser) bareVariable(dollar int) ([]step, int, error) {
	s := p.src
	end := dollar + 1
scan:
	for end < len(s) {
		switch c := s[end]; {
		case isBareByte(c), c == '.':
			end++
		case c == '[':
			closing := strings.IndexByte(s[end:], ']')
			if closing < 0 {
				return nil, 0, p.fail(end, `unterminated "[": missing "]"`)
			}
			end += closing + 1
		default:
			break scan
		}
	}
	if end == dollar+1 {
		return nil, 0, p.fail(dollar, `unescaped "$" must start a variable such as $request.body.action (write \$ for a literal dollar sign)`)
	}
	path, err := p.variable(dollar, dollar+1, end, false)
	return path, end, err
}

// variable parses src[from:to], the text of a variable without "$" or braces, into a path under
// $request.body. dollar is where the variable starts, for messages about the whole variable.
func (p *parser) variable(dollar, from, to int, braced bool) ([]step, error) {
	s := p.src[:to]
	i := from
	root := identEnd(s, i)
	switch name := s[i:root]; name {
	case "request":
	case "":
		if braced {
			return nil, p.fail(i, `expected a variable such as request.body.action after "${"`)
		}
		return nil, p.fail(dollar, `unescaped "$" must start a variable such as $request.body.action (write \$ for a literal dollar sign)`)
	case "default", "connect", "disconnect":
		return nil, p.fail(dollar, `unknown variable "$%s"; to name the route key literally write \$%s`, name, name)
	default:
		return nil, p.fail(dollar, `unsupported variable "$%s": WebSocket route selection can only read $request.body`, name)
	}
	i = root
	if i >= len(s) || s[i] != '.' {
		return nil, p.fail(i, `expected ".body" after "$request"`)
	}
	sub := identEnd(s, i+1)
	if name := s[i+1 : sub]; name != "body" {
		return nil, p.fail(i+1, `"$request.%s" is not available for WebSocket route selection; use $request.body.<path>`, name)
	}
	i = sub
	if i >= len(s) {
		return nil, p.fail(i, `missing path after "$request.body" (for example $request.body.action)`)
	}
	var path []step
	for i < len(s) {
		switch s[i] {
		case '.':
			seg, next, err := p.segment(i+1, s, braced)
			if err != nil {
				return nil, err
			}
			path = append(path, step{key: seg, index: -1})
			i = next
		case '[':
			idx, next, err := p.index(i, s)
			if err != nil {
				return nil, err
			}
			path = append(path, step{index: idx})
			i = next
		default:
			if len(path) == 0 {
				return nil, p.fail(i, `"$request.body" must be followed by ".name" or "[N]"`)
			}
			r, _ := utf8.DecodeRuneInString(s[i:])
			return nil, p.fail(i, "unexpected %q after %q in path (use ${...} to end a variable)", r, s[from:i])
		}
	}
	return path, nil
}

// segment reads an object member name starting at i (just after the '.').
func (p *parser) segment(i int, s string, braced bool) (string, int, error) {
	end := i
	for end < len(s) {
		c := s[end]
		if c == '.' || c == '[' {
			break
		}
		if braced && (c == ']' || c == '{') {
			return "", 0, p.fail(end, "unexpected %q in path segment", rune(c))
		}
		end++
	}
	if end == i || s[i:end] == "*" {
		// Look past the variable's end: "*" ends an unbraced variable but still means a wildcard.
		switch next := p.src[i:]; {
		case strings.HasPrefix(next, "."):
			return "", 0, p.fail(i, `recursive descent ("..") is not supported; name each segment`)
		case strings.HasPrefix(next, "*"):
			return "", 0, p.fail(i, "wildcards are not supported; a route key needs a single value")
		}
		return "", 0, p.fail(i, `empty path segment after "."`)
	}
	return s[i:end], end, nil
}

// index reads an array index "[N]" whose '[' is at open.
func (p *parser) index(open int, s string) (int, int, error) {
	closing := strings.IndexByte(s[open:], ']')
	if closing < 0 {
		return 0, 0, p.fail(open, `unterminated "[": missing "]"`)
	}
	inner := s[open+1 : open+closing]
	pos := open + 1
	switch {
	case inner == "":
		return 0, 0, p.fail(pos, "empty array index")
	case inner[0] == '\'' || inner[0] == '"':
		return 0, 0, p.fail(pos, "quoted member names are not supported; use .name")
	case inner == "*":
		return 0, 0, p.fail(pos, "wildcards are not supported; a route key needs a single value")
	case inner[0] == '-':
		return 0, 0, p.fail(pos, "negative array indexes are not supported")
	case inner[0] == '?' || inner[0] == '(':
		return 0, 0, p.fail(pos, "JSONPath filters and script expressions are not supported")
	case strings.ContainsAny(inner, ":,"):
		return 0, 0, p.fail(pos, "array slices and unions are not supported; use a single [N]")
	}
	for k := 0; k < len(inner); k++ {
		if inner[k] < '0' || inner[k] > '9' {
			return 0, 0, p.fail(pos+k, "array index must be a non-negative integer")
		}
	}
	n, err := strconv.Atoi(inner)
	if err != nil || n > maxIndex {
		return 0, 0, p.fail(pos, "array index %s is too large", inner)
	}
	return n, open + closing + 1, nil
}

// identEnd returns the end of the identifier (letters, digits, '_') that starts at i.
func identEnd(s string, i int) int {
	for i < len(s) {
		c := s[i]
		if c != '_' && (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			break
		}
		i++
	}
	return i
}

// isBareByte reports whether c may appear in a segment of an unbraced variable.
func isBareByte(c byte) bool {
	return c == '_' || c == '-' || c >= utf8.RuneSelf ||
		('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}
