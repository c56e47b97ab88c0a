package route

import "bytes"

// The scanner below walks JSON text in place. Eval only calls it after json.Valid accepted the
// body, so it does not validate; on malformed input (exercised by the fuzz tests) it reports
// "not found" or stops early instead of panicking.

// lookup returns the bounds [start, end) of the value that path names in body.
func lookup(body []byte, path []step) (start, end int, found bool) {
	i := skipSpace(body, 0)
	for _, s := range path {
		var ok bool
		if s.index < 0 {
			i, ok = member(body, i, s.key)
		} else {
			i, ok = element(body, i, s.index)
		}
		if !ok {
			return 0, 0, false
		}
	}
	end = skipValue(body, i)
	if end < 0 {
		return 0, 0, false
	}
	return i, end, true
}

// member returns where the value of the last member called name starts in the object at b[i].
func member(b []byte, i int, name string) (int, bool) {
	l, ok := open(b, i, '{')
	if !ok {
		return 0, false
	}
	found := -1
	for {
		key, start, _, more := l.next()
		if !more {
			break
		}
		if keyEquals(key, name) {
			found = start
		}
	}
	return found, found >= 0 && l.closed
}

// element returns where element n of the array at b[i] starts.
func element(b []byte, i, n int) (int, bool) {
	l, ok := open(b, i, '[')
	if !ok {
		return 0, false
	}
	for k := 0; ; k++ {
		_, start, _, more := l.next()
		if !more {
			return 0, false
		}
		if k == n {
			return start, true
		}
	}
}

// list iterates over the members of an object or the elements of an array.
type list struct {
	b      []byte
	i      int  // next byte to read
	end    byte // '}' or ']'
	first  bool // no item read yet
	closed bool // the closing bracket was reached
}

// open starts iterating over the container that begins at b[i], which must be the byte kind
// ('{' or '[').
func open(b []byte, i int, kind byte) (list, bool) {
	if i >= len(b) || b[i] != kind {
		return list{}, false
	}
	end := byte('}')
	if kind == '[' {
		end = ']'
	}
	return list{b: b, i: skipSpace(b, i+1), end: end, first: true}, true
}

// next reads the next item. For objects key holds the raw member name (between the quotes, still
// escaped); [start, end) are the bounds of the value. more is false at the end of the container
// or on malformed input.
func (l *list) next() (key []byte, start, end int, more bool) {
	b, i := l.b, l.i
	if i >= len(b) {
		return nil, 0, 0, false
	}
	switch {
	case b[i] == l.end:
		l.closed = true
		l.i = len(b)
		return nil, 0, 0, false
	case l.first:
		l.first = false
	case b[i] == ',':
		i = skipSpace(b, i+1)
	default:
		return nil, 0, 0, false
	}
	if l.end == '}' {
		if i >= len(b) || b[i] != '"' {
			return nil, 0, 0, false
		}
		keyEnd := skipString(b, i)
		if keyEnd < 0 {
			return nil, 0, 0, false
		}
		key = b[i+1 : keyEnd-1]
		i = skipSpace(b, keyEnd)
		if i >= len(b) || b[i] != ':' {
			return nil, 0, 0, false
		}
		i = skipSpace(b, i+1)
	}
	end = skipValue(b, i)
	if end < 0 {
		return nil, 0, 0, false
	}
	l.i = skipSpace(b, end)
	return key, i, end, true
}

// skipSpace returns the index of the first non-whitespace byte at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// isSpace reports whether c is JSON whitespace.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// skipValue returns the index just after the value that starts at b[i], or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		return skipContainer(b, i)
	}
	// A number, true, false or null: it runs to the next delimiter.
	j := i
	for j < len(b) && !isDelimiter(b[j]) {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

// isDelimiter reports whether c ends a number or literal in valid JSON (or starts something that
// cannot follow one).
func isDelimiter(c byte) bool {
	switch c {
	case ',', '}', ']', ':', '"', '{', '[':
		return true
	}
	return isSpace(c)
}

// skipString returns the index just after the string whose opening quote is b[i], or -1.
func skipString(b []byte, i int) int {
	for j := i + 1; j <= len(b); {
		q := bytes.IndexByte(b[j:], '"')
		if q < 0 {
			return -1
		}
		q += j
		backslashes := 0
		for k := q - 1; k > i && b[k] == '\\'; k-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return q + 1
		}
		j = q + 1
	}
	return -1
}

// skipContainer returns the index just after the object or array that starts at b[i], or -1.
func skipContainer(b []byte, i int) int {
	depth := 0
	for j := i; j < len(b); j++ {
		switch b[j] {
		case '"':
			end := skipString(b, j)
			if end < 0 {
				return -1
			}
			j = end - 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return j + 1
			}
		}
	}
	return -1
}
