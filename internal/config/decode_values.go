package config

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// The field decoders of scalar, list and map values, and the words used to describe values in
// "must be X, got Y" messages.

// isNull reports whether n is absent or YAML null (`~`, `null`, or nothing after the colon).
func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// scalarText returns the text of a scalar that can stand for a string: strings, numbers and
// dates as written (so `1.10` stays "1.10"), and booleans only when allowBool is set.
func scalarText(n *yaml.Node, allowBool bool) (string, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return "", false
	}
	switch n.ShortTag() {
	case "!!str", "!!int", "!!float", "!!timestamp":
		return n.Value, true
	case "!!bool":
		return n.Value, allowBool
	}
	return "", false
}

// describe names what a node is, for "must be X, got Y" messages.
func describe(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch tag := n.ShortTag(); tag {
	case "!!null":
		return "null"
	case "!!bool":
		return "the boolean " + n.Value
	case "!!int", "!!float":
		return "the number " + n.Value
	case "!!str", "!!timestamp":
		return "the string " + quoteShort(n.Value)
	default:
		return fmt.Sprintf("a value tagged %s (YAML tags are not supported)", tag)
	}
}

// quoteShort quotes s for a message, cutting it short when it is long.
func quoteShort(s string) string {
	const max = 40
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return strconv.Quote(s)
}

// str decodes a string.
func (d *decoder) str(dst *string) field {
	return func(path string, v *yaml.Node) {
		v = d.deref(v)
		if isNull(v) {
			return
		}
		s, ok := scalarText(v, false)
		if !ok {
			d.wrongType(path, v, "a string")
			return
		}
		*dst = s
	}
}

// boolean decodes true or false.
func (d *decoder) boolean(dst *bool) field {
	return func(path string, v *yaml.Node) {
		v = d.deref(v)
		if isNull(v) {
			return
		}
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" || v.Decode(dst) != nil {
			d.wrongType(path, v, "true or false")
		}
	}
}

// integer decodes a whole number.
func (d *decoder) integer(dst *int) field {
	return func(path string, v *yaml.Node) {
		v = d.deref(v)
		if isNull(v) {
			return
		}
		var n int64
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" || v.Decode(&n) != nil || n != int64(int(n)) {
			d.wrongType(path, v, "a whole number")
			return
		}
		*dst = int(n)
		if n == 0 {
			d.noteZero(path)
		}
	}
}

// number decodes a finite number.
func (d *decoder) number(dst *float64) field {
	return func(path string, v *yaml.Node) {
		v = d.deref(v)
		if isNull(v) {
			return
		}
		f, ok := numberValue(v)
		if !ok {
			d.wrongType(path, v, "a number")
			return
		}
		*dst = f
		if f == 0 {
			d.noteZero(path)
		}
	}
}

// numberValue returns the value of a finite integer or float scalar.
func numberValue(v *yaml.Node) (float64, bool) {
	if v.Kind != yaml.ScalarNode || (v.ShortTag() != "!!int" && v.ShortTag() != "!!float") {
		return 0, false
	}
	var f float64
	if v.Decode(&f) != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// durationWant describes what a duration key accepts.
const durationWant = `a positive number of seconds or a string like "20 seconds" or "29s"`

// duration decodes a number of seconds or a duration string.
func (d *decoder) duration(dst *time.Duration) field {
	return func(path string, v *yaml.Node) {
		v = d.deref(v)
		if isNull(v) {
			return
		}
		var dur time.Duration
		ok := false
		if f, isNum := numberValue(v); isNum {
			dur, ok = scaleDuration(f, time.Second)
		} else if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str" {
			dur, ok = parseDuration(v.Value)
		}
		if !ok {
			d.wrongType(path, v, durationWant)
			return
		}
		*dst = dur
		if dur == 0 {
			d.noteZero(path)
		}
	}
}

// size decodes a whole number of units or a size string such as "2 GB", expressed in units of
// unit bytes. want describes what the key accepts.
func (d *decoder) size(dst *int, unit int64, want string) field {
	return func(path string, v *yaml.Node) {
		v = d.deref(v)
		if isNull(v) {
			return
		}
		var n int64
		ok := false
		switch {
		case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!int":
			ok = v.Decode(&n) == nil
		case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str":
			var b int64
			if b, ok = parseSize(v.Value); ok && b%unit == 0 {
				n = b / unit
			} else {
				ok = false
			}
		}
		if !ok || n != int64(int(n)) {
			d.wrongType(path, v, want)
			return
		}
		*dst = int(n)
		if n == 0 {
			d.noteZero(path)
		}
	}
}

// stringList decodes a list of strings; a single string is a list of one.
func (d *decoder) stringList(dst *[]string) field {
	return func(path string, v *yaml.Node) {
		v = d.deref(v)
		if isNull(v) {
			return
		}
		if s, ok := scalarText(v, false); ok {
			*dst = []string{s}
			return
		}
		if v.Kind != yaml.SequenceNode {
			d.wrongType(path, v, "a string or a list of strings")
			return
		}
		out := make([]string, 0, len(v.Content))
		for i, item := range v.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			d.record(p, item)
			item = d.deref(item)
			s, ok := scalarText(item, false)
			if !ok {
				d.wrongType(p, item, "a string")
				continue
			}
			out = append(out, s)
		}
		*dst = out
	}
}

// stringMap decodes a mapping of names to strings. Numbers and booleans are taken as written
// (`PORT: 8080` is "8080", `DEBUG: true` is "true"); null is refused, since an unset variable
// and an empty one differ.
func (d *decoder) stringMap(dst *map[string]string) field {
	return func(path string, v *yaml.Node) {
		entries, ok := d.entries(path, v, "a mapping of names to strings")
		if !ok {
			return
		}
		out := make(map[string]string, len(entries))
		for _, e := range entries {
			p := joinPath(path, e.key.Value)
			val := d.deref(e.value)
			if isNull(val) {
				d.invalid(p, `must be a string (write "" for an empty value)`)
				continue
			}
			s, ok := scalarText(val, true)
			if !ok {
				d.wrongType(p, val, "a string")
				continue
			}
			out[e.key.Value] = s
		}
		*dst = out
	}
}
