package route

import (
	"bytes"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// appendValue appends the route-key rendering of the JSON value raw (see Expression.Eval).
func appendValue(dst, raw []byte) []byte {
	if len(raw) == 0 {
		return dst
	}
	switch raw[0] {
	case '"':
		if len(raw) < 2 {
			return dst
		}
		return appendUnescaped(dst, raw[1:len(raw)-1])
	case '[', '{':
		l, _ := open(raw, 0, raw[0])
		dst = append(dst, raw[0])
		for n := 0; ; n++ {
			key, start, end, more := l.next()
			if !more {
				break
			}
			if n > 0 {
				dst = append(dst, ", "...)
			}
			if raw[0] == '{' {
				dst = appendUnescaped(dst, key)
				dst = append(dst, '=')
			}
			dst = appendValue(dst, raw[start:end])
		}
		return append(dst, l.end)
	default:
		return append(dst, raw...)
	}
}

// plainString returns the contents of raw when raw is a JSON string that decodes to itself: no
// escapes and valid UTF-8. Such a string can be used as a key without copying.
func plainString(raw []byte) ([]byte, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return nil, false
	}
	s := raw[1 : len(raw)-1]
	if bytes.IndexByte(s, '\\') >= 0 || !utf8.Valid(s) {
		return nil, false
	}
	return s, true
}

// keyEquals reports whether the raw (still escaped) member name decodes to name.
func keyEquals(raw []byte, name string) bool {
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw) == name
	}
	var buf [64]byte
	return string(appendUnescaped(buf[:0], raw)) == name
}

// appendUnescaped appends the decoded text of the contents of a JSON string literal, with the
// same rules as encoding/json: invalid UTF-8 bytes and unpaired surrogate escapes become U+FFFD.
func appendUnescaped(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\' && i+1 < len(raw):
			if r := hex4(raw, i); r >= 0 {
				i += 6
				if utf16.IsSurrogate(r) {
					if pair := utf16.DecodeRune(r, hex4(raw, i)); pair != unicode.ReplacementChar {
						r = pair
						i += 6
					} else {
						r = unicode.ReplacementChar
					}
				}
				dst = utf8.AppendRune(dst, r)
				continue
			}
			dst = append(dst, unescapeByte(raw[i+1]))
			i += 2
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
		default:
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 {
				dst = utf8.AppendRune(dst, unicode.ReplacementChar)
			} else {
				dst = append(dst, raw[i:i+size]...)
			}
			i += size
		}
	}
	return dst
}

// unescapeByte decodes the one-character escape \c.
func unescapeByte(c byte) byte {
	switch c {
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return c // '"', '\\', '/' (and, on malformed input, the character itself)
}

// hex4 decodes the escape \uXXXX at b[i:], or returns -1 if there is none.
func hex4(b []byte, i int) rune {
	if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range b[i+2 : i+6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}
