package config

import (
	"sort"
	"strconv"
	"strings"
)

// Problem is one mistake in a config: where it is, which key, and what is wrong with it.
type Problem struct {
	// File is the config file's path; "" for a config built in Go.
	File string
	// Line and Column are 1-based and point at the key (or list item) the problem is about;
	// 0 when unknown, as for configs built in Go.
	Line, Column int
	// Key is the dotted key path, e.g. "routes.sendMessage.function.timeout" or
	// "authorizer.identitySource[1]"; "" when the problem concerns the whole file. For unknown and
	// duplicate keys it is the path of the mapping that holds them.
	Key string
	// Message says what is wrong and, where possible, what to write instead.
	Message string
}

// String renders the problem as "file:line:col: key: message", leaving out the parts that are
// unknown.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		if b.Len() > 0 {
			b.WriteByte(':')
		}
		b.WriteString(strconv.Itoa(p.Line))
		if p.Column > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(p.Column))
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if p.Key != "" {
		b.WriteString(p.Key)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is the error returned by Load, Parse, Validate and Config.Unsupported: every problem
// found, not just the first. Use errors.As to get at the individual problems.
type Problems []Problem

// Error prints one problem per line, sorted by file position.
func (ps Problems) Error() string {
	lines := make([]string, 0, len(ps))
	for _, p := range ps.sorted() {
		lines = append(lines, p.String())
	}
	return strings.Join(lines, "\n")
}

// sorted returns a copy ordered by file, line and column; problems at the same place (and all
// problems of a config built in Go) keep the order in which they were found.
func (ps Problems) sorted() Problems {
	out := append(Problems(nil), ps...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return out
}

// asError returns nil for no problems and the sorted Problems otherwise, so that callers never
// hold a non-nil error that contains nothing.
func (ps Problems) asError() error {
	if len(ps) == 0 {
		return nil
	}
	return ps.sorted()
}
