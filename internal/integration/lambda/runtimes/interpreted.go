package runtimes

// Parts shared by the Node.js and Python runtimes, which run an embedded bootstrap script.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// resolveSpec checks that spec names a cache directory and makes Root and CacheDir absolute,
// because the worker runs in the task root; a nil Logger becomes one that discards.
func resolveSpec(spec Spec) (Spec, error) {
	if spec.CacheDir == "" {
		return spec, fmt.Errorf("no cache directory configured")
	}
	var err error
	if spec.Root, err = filepath.Abs(spec.Root); err != nil {
		return spec, err
	}
	if spec.CacheDir, err = filepath.Abs(spec.CacheDir); err != nil {
		return spec, err
	}
	if spec.Logger == nil {
		spec.Logger = slog.New(slog.DiscardHandler)
	}
	return spec, nil
}

// writeBootstrap copies the files of fsys (a bootstrap from package bootstrap) to
// cacheDir/bootstrap/<name>-<content hash>/ and returns that directory. Naming the directory after
// the content means a newer Switchboard never rewrites files an older worker is running; writing
// is idempotent and safe to run concurrently.
func writeBootstrap(cacheDir, name string, fsys fs.FS) (string, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return "", fmt.Errorf("read embedded %s bootstrap: %w", name, err)
	}
	files := make(map[string][]byte, len(entries))
	sum := sha256.New()
	for _, e := range entries {
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return "", fmt.Errorf("read embedded %s bootstrap: %w", name, err)
		}
		files[e.Name()] = data
		fmt.Fprintf(sum, "%s\x00%d\x00", e.Name(), len(data))
		sum.Write(data)
	}
	dir := filepath.Join(cacheDir, "bootstrap", name+"-"+hex.EncodeToString(sum.Sum(nil))[:12])
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("write %s bootstrap: %w", name, err)
	}
	for file, data := range files {
		if err := writeFileAtomic(filepath.Join(dir, file), data); err != nil {
			return "", fmt.Errorf("write %s bootstrap: %w", name, err)
		}
	}
	return dir, nil
}

// writeFileAtomic makes target hold data, through a temporary file and a rename so that a process
// reading target never sees a partial file. It does nothing when target already holds data.
func writeFileAtomic(target string, data []byte) error {
	if old, err := os.ReadFile(target); err == nil && bytes.Equal(old, data) {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), ".tmp-*")
	if err != nil {
		return err
	}
	werr := tmp.Chmod(0o644)
	if werr == nil {
		_, werr = tmp.Write(data)
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), target)
	}
	if werr != nil {
		return errors.Join(werr, os.Remove(tmp.Name()))
	}
	return nil
}
