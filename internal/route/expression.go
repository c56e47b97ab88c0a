package route

// Expression is a parsed route selection expression such as "$request.body.action". It is
// immutable and safe for concurrent use. Create one with Parse.
type Expression struct {
	src   string
	parts []part
}

// part is either literal text (path == nil) or a variable reading path under $request.body.
type part struct {
	lit  string
	path []step
}

// step is one step of a body path: an object member (index < 0) or an array element.
type step struct {
	key   string
	index int
}

// String returns the expression as written. A nil Expression returns "".
func (e *Expression) String() string {
	if e == nil {
		return ""
	}
	return e.src
}

// Eval evaluates the expression against a message body and returns the route key.
//
// ok is false when the body is not valid JSON (the caller then uses $default); a nil Expression
// also returns ok=false. Otherwise each variable is replaced by the value its path names:
//
//   - a missing path (absent member, index out of range, or a step into a value of the wrong
//     type) gives "";
//   - a string gives its decoded text (escapes resolved; invalid UTF-8 and unpaired surrogates
//     become U+FFFD, as encoding/json does);
//   - a number, true, false or null gives its JSON text exactly as written ("1.50", "1e3", "null");
//   - an array gives "[" + its elements rendered by these rules, joined by ", " + "]", so
//     ["item1","item2"] gives "[item1, item2]" as in AWS's documentation;
//   - an object gives "{" + its members rendered as name=value (in document order, repeated
//     names included) joined by ", " + "}", so {"a":1,"b":"x"} gives "{a=1, b=x}"; this follows
//     Java's Map rendering to match the array rule (AWS documents only the array case).
//
// When an object repeats a member name the path follows the last occurrence, as encoding/json
// does. The body is walked in place: nothing is unmarshalled and only the members on the path
// are decoded. Eval allocates the returned string (plus a buffer for keys built from several
// parts or escapes that exceed 64 bytes); Table.Select allocates nothing in the common case.
func (e *Expression) Eval(body []byte) (key string, ok bool) {
	if e == nil {
		return "", false
	}
	if len(e.parts) == 1 && e.parts[0].path == nil {
		if !validJSON(body) {
			return "", false
		}
		return e.parts[0].lit, true
	}
	var buf [64]byte
	k, ok := e.evalBytes(buf[:0], body)
	if !ok {
		return "", false
	}
	return string(k), true
}

// evalBytes is Eval without the final string: it returns the key either as a subslice of body
// (single variable naming a plain string) or appended to dst, so callers can look the key up
// without allocating.
func (e *Expression) evalBytes(dst, body []byte) ([]byte, bool) {
	if e == nil || !validJSON(body) {
		return nil, false
	}
	if len(e.parts) == 1 && e.parts[0].path != nil {
		start, end, found := lookup(body, e.parts[0].path)
		if !found {
			return dst, true
		}
		if s, plain := plainString(body[start:end]); plain {
			return s, true
		}
		return appendValue(dst, body[start:end]), true
	}
	for _, p := range e.parts {
		if p.path == nil {
			dst = append(dst, p.lit...)
			continue
		}
		if start, end, found := lookup(body, p.path); found {
			dst = appendValue(dst, body[start:end])
		}
	}
	return dst, true
}
