package template

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/switchboardhq/switchboard/internal/config"
)

// problems collects every mistake found in a template, each at the line and column of the node
// it is about and under the key path of its resource ("Resources.OnConnect.Properties.Handler"),
// and drops repeats (a function used by three routes is read three times).
type problems struct {
	list config.Problems
	seen map[config.Problem]bool
}

// add records a problem in file at the position of n.
func (ps *problems) add(file string, n *yaml.Node, key, format string, args ...any) {
	p := config.Problem{File: file, Key: key, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	ps.addProblem(p)
}

// addProblem records p unless it is already there.
func (ps *problems) addProblem(p config.Problem) {
	if ps.seen == nil {
		ps.seen = make(map[config.Problem]bool)
	}
	if ps.seen[p] {
		return
	}
	ps.seen[p] = true
	ps.list = append(ps.list, p)
}

// err returns the problems as a config.Problems error (printed sorted by position), or nil.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return ps.list
}
