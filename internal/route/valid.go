package route

import "encoding/json"

// validJSON reports whether body is one valid JSON value, with exactly json.Valid's answer. It
// checks in one tight pass instead of encoding/json's state machine, which takes about 2.7 times
// as long on a typical message (BenchmarkValidJSON), and does not allocate; only documents nested
// deeper than maxFastDepth go to json.Valid, which alone knows its nesting limit.
func validJSON(body []byte) bool {
	ok, tooDeep := scanValid(body)
	if tooDeep {
		return json.Valid(body)
	}
	return ok
}

// maxFastDepth is how deeply nested objects and arrays scanValid follows: one bit per level.
const maxFastDepth = 64

// scanValid validates body as one JSON value surrounded by optional whitespace. tooDeep reports
// that the nesting went beyond maxFastDepth, in which case ok means nothing.
func scanValid(b []byte) (ok, tooDeep bool) {
	var objects uint64 // bit d is set when the container at depth d is an object
	depth := 0
	i := skipSpace(b, 0)
	for {
		// A value starts at b[i].
		if i >= len(b) {
			return false, false
		}
		switch c := b[i]; {
		case c == '{' || c == '[':
			if depth == maxFastDepth {
				return false, true
			}
			if c == '{' {
				objects |= 1 << depth
			} else {
				objects &^= 1 << depth
			}
			depth++
			i = skipSpace(b, i+1)
			if i < len(b) && (b[i] == '}' && c == '{' || b[i] == ']' && c == '[') {
				depth--
				i++
				break // an empty container is a complete value
			}
			if c == '{' {
				if i = validMemberName(b, i); i < 0 {
					return false, false
				}
			}
			continue // its first element or member value
		case c == '"':
			i = validString(b, i)
		case c == '-' || '0' <= c && c <= '9':
			i = validNumber(b, i)
		case c == 't':
			i = validLiteral(b, i, "true")
		case c == 'f':
			i = validLiteral(b, i, "false")
		case c == 'n':
			i = validLiteral(b, i, "null")
		default:
			return false, false
		}
		if i < 0 {
			return false, false
		}
		// After a complete value: close containers, or move to the next element or member.
		for {
			i = skipSpace(b, i)
			if depth == 0 {
				return i == len(b), false
			}
			if i >= len(b) {
				return false, false
			}
			inObject := objects&(1<<(depth-1)) != 0
			switch b[i] {
			case ',':
				i = skipSpace(b, i+1)
				if inObject {
					if i = validMemberName(b, i); i < 0 {
						return false, false
					}
				}
			case '}', ']':
				if (b[i] == '}') != inObject {
					return false, false
				}
				depth--
				i++
				continue
			default:
				return false, false
			}
			break
		}
	}
}

// validMemberName checks `"name" :` at b[i] and returns the index of the value after it, or -1.
func validMemberName(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	if i = validString(b, i); i < 0 {
		return -1
	}
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != ':' {
		return -1
	}
	return skipSpace(b, i+1)
}

// validString checks the string whose opening quote is b[i] and returns the index after its
// closing quote, or -1. As for encoding/json, any byte from 0x20 up is allowed unescaped (UTF-8
// is not checked); control characters must be escaped.
func validString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		if plainStringByte[b[j]] {
			continue
		}
		switch c := b[j]; {
		case c == '"':
			return j + 1
		case c < 0x20:
			return -1
		case c == '\\':
			j++
			if j >= len(b) {
				return -1
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(b) || !isHex(b[j+1]) || !isHex(b[j+2]) || !isHex(b[j+3]) || !isHex(b[j+4]) {
					return -1
				}
				j += 4
			default:
				return -1
			}
		}
	}
	return -1
}

// validNumber checks the number at b[i] (-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?) and
// returns the index after it, or -1.
func validNumber(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = skipDigits(b, i+1)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := skipDigits(b, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := skipDigits(b, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

// plainStringByte marks the bytes that stand for themselves inside a JSON string: all but the
// quote, the backslash and control characters.
var plainStringByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func skipDigits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// validLiteral checks that b[i:] starts with lit and returns the index after it, or -1.
func validLiteral(b []byte, i int, lit string) int {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
