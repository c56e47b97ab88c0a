// Package bootstrap holds Switchboard's own Lambda runtime bootstraps, embedded in the binary. Both
// speak the Lambda Runtime API and use only their language's standard library.
//
// Use Node for the Node.js files: bootstrap.mjs (the entry point, `node bootstrap.mjs <handler>`),
// resolve-register.mjs and resolve-hooks.mjs (preloaded with `node --import` so that ES module
// imports can fall back to layers and to a provided copy of the AWS SDK). Use Python for
// bootstrap.py (`python3 -u bootstrap.py <handler>`). The runtimes package writes them to its cache
// directory.
package bootstrap

import (
	"embed"
	"io/fs"
)

//go:embed node/*.mjs python/*.py
var sources embed.FS

// Node returns the Node.js bootstrap's files (bootstrap.mjs, resolve-register.mjs, resolve-hooks.mjs) at
// the root of the returned file system.
func Node() fs.FS { return sub("node") }

// Python returns the Python bootstrap's files (bootstrap.py) at the root of the returned file
// system.
func Python() fs.FS { return sub("python") }

func sub(dir string) fs.FS {
	f, err := fs.Sub(sources, dir)
	if err != nil {
		// fs.Sub fails only for an invalid path, and dir is one of two constants above.
		panic("bootstrap: " + err.Error())
	}
	return f
}
