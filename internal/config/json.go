package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// JSON is valid YAML in principle, but yaml.v3 refuses some valid JSON (the `\/` escape, keys over
// 1024 characters), so .json files are read with encoding/json's tokenizer into the same yaml.Node
// tree, with the line and column of every token.

// maxJSONDepth bounds nesting; no valid config nests deeper than a handful of levels.
const maxJSONDepth = 64

// jsonReader builds yaml.Nodes from JSON tokens.
type jsonReader struct {
	data       []byte
	dec        *json.Decoder
	lineStarts []int // byte offset at which each line starts
	depth      int
}

// jsonError is a JSON syntax problem at a byte offset.
type jsonError struct {
	off int64
	msg string
}

func (e *jsonError) Error() string { return e.msg }

// parseJSON parses data as one JSON value; its root is nil when data holds only white space.
func parseJSON(name string, data []byte) (*yaml.Node, Problems) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	r := &jsonReader{data: data, dec: json.NewDecoder(bytes.NewReader(data)), lineStarts: []int{0}}
	r.dec.UseNumber()
	for i, b := range data {
		if b == '\n' {
			r.lineStarts = append(r.lineStarts, i+1)
		}
	}
	root, err := r.value()
	if err == nil {
		off := r.next()
		if _, tokErr := r.dec.Token(); !errors.Is(tokErr, io.EOF) {
			err = &jsonError{off: off, msg: "unexpected data after the top-level value"}
		}
	}
	if err != nil {
		p := Problem{File: name, Message: "invalid JSON: " + err.Error()}
		var je *jsonError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &je):
			p.Line, p.Column = r.position(je.off)
		case errors.As(err, &se):
			// Offset is that of the offending byte for structural errors, and somewhere inside
			// the value for errors inside a literal: near enough to find the mistake.
			p.Line, p.Column = r.position(se.Offset)
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			p.Line, p.Column = r.position(int64(len(data)))
			p.Message = "invalid JSON: unexpected end of file"
		}
		return nil, Problems{p}
	}
	return root, nil
}

// value reads one JSON value.
func (r *jsonReader) value() (*yaml.Node, error) {
	off := r.next()
	tok, err := r.dec.Token()
	if err != nil {
		return nil, err
	}
	line, col := r.position(off)
	switch t := tok.(type) {
	case json.Delim:
		if r.depth++; r.depth > maxJSONDepth {
			return nil, &jsonError{off: off, msg: "values are nested too deeply"}
		}
		defer func() { r.depth-- }()
		if t == '{' {
			return r.object(line, col)
		}
		return r.array(line, col)
	case string:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: t, Line: line, Column: col}, nil
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(string(t), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: string(t), Line: line, Column: col}, nil
	case bool:
		v := "false"
		if t {
			v = "true"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: v, Line: line, Column: col}, nil
	default: // nil: JSON null
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null", Line: line, Column: col}, nil
	}
}

// object reads the members of an object whose '{' was just read.
func (r *jsonReader) object(line, col int) (*yaml.Node, error) {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: line, Column: col}
	for r.dec.More() {
		off := r.next()
		tok, err := r.dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, &jsonError{off: off, msg: "object keys must be strings"}
		}
		kl, kc := r.position(off)
		v, err := r.value()
		if err != nil {
			return nil, err
		}
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key, Line: kl, Column: kc}, v)
	}
	_, err := r.dec.Token() // '}'
	return n, err
}

// array reads the elements of an array whose '[' was just read.
func (r *jsonReader) array(line, col int) (*yaml.Node, error) {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: line, Column: col}
	for r.dec.More() {
		v, err := r.value()
		if err != nil {
			return nil, err
		}
		n.Content = append(n.Content, v)
	}
	_, err := r.dec.Token() // ']'
	return n, err
}

// next returns the offset of the next token: the decoder's position after white space and the
// ',' and ':' separators.
func (r *jsonReader) next() int64 {
	off := r.dec.InputOffset()
	for off < int64(len(r.data)) && strings.IndexByte(" \t\r\n,:", r.data[off]) >= 0 {
		off++
	}
	return off
}

// position converts a byte offset to a 1-based line and column (in characters).
func (r *jsonReader) position(off int64) (line, col int) {
	o := int(min(off, int64(len(r.data))))
	i := sort.Search(len(r.lineStarts), func(i int) bool { return r.lineStarts[i] > o }) - 1
	return i + 1, utf8.RuneCount(r.data[r.lineStarts[i]:o]) + 1
}
