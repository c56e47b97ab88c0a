package runtimes

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Lambda's limits on layers.
const (
	// maxLayers is how many layers a function may have.
	maxLayers = 5
	// maxLayersBytes bounds the unzipped size of a function's layers (Lambda's 250 MB for the
	// function and its layers together); it also keeps a malformed zip from filling the disk.
	maxLayersBytes = 250 << 20
)

// Pruning of laid-out layers.
const (
	// layersUnusedAfter is how long a laid-out layer set may go unused before Prepare removes it.
	layersUnusedAfter = 30 * 24 * time.Hour
	// abandonedAfter is how old a temporary layout must be to count as abandoned.
	abandonedAfter = 24 * time.Hour
)

// layoutVersion changes when the way layers are laid out does, so old layouts are not reused.
const layoutVersion = "layers-v1"

// optDir is a function's layers extracted and merged the way Lambda merges them into /opt, in a
// directory of the cache; "" when the function has no layers.
type optDir string

// join is a path under the layout, "" when there are no layers.
func (o optDir) join(elem ...string) string {
	if o == "" {
		return ""
	}
	return filepath.Join(append([]string{string(o)}, elem...)...)
}

// existing returns the paths under the layout that exist, in order.
func (o optDir) existing(rels ...string) []string {
	var out []string
	for _, rel := range rels {
		if p := o.join(filepath.FromSlash(rel)); p != "" && fileExists(p) {
			out = append(out, p)
		}
	}
	return out
}

// layer is one entry of Spec.Layers, resolved.
type layer struct {
	index int
	path  string // absolute
	zip   bool
}

// layerError is the *PropError of layer i.
func layerError(i int, format string, args ...any) error {
	return &PropError{Prop: "layers", Index: i, Err: fmt.Errorf(format, args...)}
}

// prepareLayers lays out spec.Layers as Lambda extracts layers into /opt, in order, a later
// layer's files replacing an earlier one's: each entry is a directory or a .zip file holding what
// the layer's zip holds (nodejs/, python/, bin/, lib/, ...). The result is a directory of the cache
// keyed by the layers' contents (file names, sizes, modes and modification times), so an unchanged
// set is reused and functions with the same layers share it; the host's /opt is never written. A
// layer ARN, a missing path, a file that is not a zip or more than five layers is a *PropError.
func prepareLayers(spec Spec) (optDir, error) {
	if len(spec.Layers) == 0 {
		return "", nil
	}
	if spec.CacheDir == "" {
		return "", layerError(0, "no cache directory to lay out the layers in")
	}
	if len(spec.Layers) > maxLayers {
		return "", layerError(maxLayers, "a function can have at most %d layers (Lambda's limit), got %d", maxLayers, len(spec.Layers))
	}
	layers := make([]layer, 0, len(spec.Layers))
	sum := sha256.New()
	fmt.Fprintf(sum, "%s\x00", layoutVersion)
	for i, l := range spec.Layers {
		ly, err := resolveLayer(spec.Root, i, l)
		if err != nil {
			return "", err
		}
		if err := fingerprintLayer(sum, ly); err != nil {
			return "", layerError(i, "layer %q: %w", l, err)
		}
		layers = append(layers, ly)
	}
	parent := filepath.Join(spec.CacheDir, "layers")
	key := hex.EncodeToString(sum.Sum(nil))[:32]
	dir := filepath.Join(parent, key)
	now := time.Now()
	if fileExists(filepath.Join(dir, ".complete")) {
		_ = os.Chtimes(dir, now, now) // its last use, for pruning
	} else if err := buildLayers(parent, dir, layers, spec.Layers); err != nil {
		return "", err
	}
	pruneCache(parent, now, spec.Logger, func(name string, unused time.Duration) bool {
		switch {
		case strings.HasPrefix(name, ".tmp-"):
			return unused >= abandonedAfter // left by a process that died while laying out
		default:
			return name != key && isBuildKey(name) && unused >= layersUnusedAfter
		}
	})
	spec.Logger.Debug("layers laid out", "layers", spec.Layers, "opt", dir)
	return optDir(dir), nil
}

// resolveLayer checks one configured layer and makes its path absolute (relative paths are
// relative to root, the config file's directory).
func resolveLayer(root string, i int, l string) (layer, error) {
	if strings.HasPrefix(l, "arn:") {
		return layer{}, layerError(i, "layer %q is a layer ARN, and Switchboard cannot fetch published layers: "+
			"give the layer's directory or .zip file instead (laid out as the layer: nodejs/node_modules, python, bin, lib, ...)", l)
	}
	p := filepath.FromSlash(l)
	if !filepath.IsAbs(p) {
		p = filepath.Join(root, p)
	}
	info, err := os.Stat(p)
	if err != nil {
		return layer{}, layerError(i, "layer %q: %w", l, err)
	}
	switch {
	case info.IsDir():
		return layer{index: i, path: p}, nil
	case info.Mode().IsRegular() && strings.EqualFold(filepath.Ext(p), ".zip"):
		return layer{index: i, path: p, zip: true}, nil
	}
	return layer{}, layerError(i, "layer %q: %s is neither a directory nor a .zip file", l, p)
}

// fingerprintLayer adds what identifies ly's contents to sum: for a zip its size and modification
// time, for a directory every entry's path, mode, size, modification time and link target.
func fingerprintLayer(sum io.Writer, ly layer) error {
	fmt.Fprintf(sum, "%s\x00%t\x00", ly.path, ly.zip)
	if ly.zip {
		info, err := os.Stat(ly.path)
		if err != nil {
			return err
		}
		fmt.Fprintf(sum, "%d\x00%d\x00", info.Size(), info.ModTime().UnixNano())
		return nil
	}
	return filepath.WalkDir(ly.path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(ly.path, p)
		target := ""
		if info.Mode()&fs.ModeSymlink != 0 {
			target, _ = os.Readlink(p)
		}
		fmt.Fprintf(sum, "%s\x00%v\x00%d\x00%d\x00%s\x00", filepath.ToSlash(rel), info.Mode(), info.Size(), info.ModTime().UnixNano(), target)
		return nil
	})
}

// buildLayers extracts layers into a temporary directory of parent and renames it to dir, so a
// layout is either complete or absent; a layout another process finished first is kept.
func buildLayers(parent, dir string, layers []layer, configured []string) error {
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return layerError(0, "lay out layers in %s: %w", parent, err)
	}
	tmp, err := os.MkdirTemp(parent, ".tmp-")
	if err != nil {
		return layerError(0, "lay out layers in %s: %w", parent, err)
	}
	defer os.RemoveAll(tmp) // gone after the rename; removes a partial layout otherwise
	budget := int64(maxLayersBytes)
	for _, ly := range layers {
		var err error
		if ly.zip {
			err = extractZip(ly.path, tmp, &budget)
		} else {
			err = copyTree(ly.path, tmp, &budget)
		}
		if err != nil {
			return layerError(ly.index, "layer %q: %w", configured[ly.index], err)
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, ".complete"), nil, 0o644); err != nil {
		return layerError(0, "lay out layers: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if fileExists(filepath.Join(dir, ".complete")) {
			return nil // laid out concurrently by another process
		}
		return layerError(0, "lay out layers: %w", err)
	}
	return nil
}

var errLayersTooLarge = fmt.Errorf("the layers unzip to more than %d MB (Lambda's limit)", maxLayersBytes>>20)

// charge takes n bytes from budget, failing when it runs out.
func charge(budget *int64, n int64) error {
	*budget -= n
	if *budget < 0 {
		return errLayersTooLarge
	}
	return nil
}

// extractZip extracts the zip file src into dst, replacing what is there. Entries that would land
// outside dst (absolute paths, "..", links pointing out) are refused; file modes and symbolic
// links are kept, as Lambda keeps them.
func extractZip(src, dst string, budget *int64) error {
	zr, err := zip.OpenReader(src)
	if err != nil {
		return err
	}
	defer zr.Close()
	for _, f := range zr.File {
		name := strings.TrimPrefix(f.Name, "./")
		if name == "" || name == "/" {
			continue
		}
		clean := path.Clean(name)
		if path.IsAbs(name) || clean == ".." || strings.HasPrefix(clean, "../") || strings.Contains(name, "\\") {
			return fmt.Errorf("zip entry %q would land outside the layer", f.Name)
		}
		target := filepath.Join(dst, filepath.FromSlash(clean))
		mode := f.Mode()
		switch {
		case mode.IsDir():
			if err := mkdirReplacing(target); err != nil {
				return err
			}
		case mode&fs.ModeSymlink != 0:
			link, err := readZipEntry(f, 4096)
			if err != nil {
				return err
			}
			if !linkStaysInside(clean, string(link)) {
				return fmt.Errorf("zip entry %q links to %q, outside the layer", f.Name, link)
			}
			if err := writeLink(target, string(link)); err != nil {
				return err
			}
		case mode.IsRegular():
			if err := charge(budget, int64(f.UncompressedSize64)); err != nil {
				return err
			}
			rc, err := f.Open()
			if err != nil {
				return fmt.Errorf("zip entry %q: %w", f.Name, err)
			}
			err = writeFile(target, io.LimitReader(rc, int64(f.UncompressedSize64)+1), mode.Perm()|0o200)
			rc.Close()
			if err != nil {
				return fmt.Errorf("zip entry %q: %w", f.Name, err)
			}
		}
	}
	return nil
}

// readZipEntry reads a small zip entry whole (a symbolic link's target).
func readZipEntry(f *zip.File, max int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("zip entry %q: link target too long", f.Name)
	}
	return data, nil
}

// linkStaysInside reports whether a link at rel (slash-separated, relative to the layer's root)
// pointing to target resolves inside the layer.
func linkStaysInside(rel, target string) bool {
	if path.IsAbs(target) {
		return false
	}
	resolved := path.Clean(path.Join(path.Dir(rel), target))
	return resolved != ".." && !strings.HasPrefix(resolved, "../")
}

// copyTree copies the directory src into dst, replacing what is there; symbolic links are copied
// as links.
func copyTree(src, dst string, budget *int64) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil || rel == "." {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch mode := info.Mode(); {
		case mode.IsDir():
			return mkdirReplacing(target)
		case mode&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return writeLink(target, link)
		case mode.IsRegular():
			if err := charge(budget, info.Size()); err != nil {
				return err
			}
			in, err := os.Open(p)
			if err != nil {
				return err
			}
			defer in.Close()
			return writeFile(target, in, mode.Perm()|0o200)
		}
		return nil // sockets, devices: not layer content
	})
}

// mkdirReplacing makes target a directory, removing a file or link of that name first.
func mkdirReplacing(target string) error {
	if info, err := os.Lstat(target); err == nil && !info.IsDir() {
		if err := os.Remove(target); err != nil {
			return err
		}
	}
	return os.MkdirAll(target, 0o755)
}

// writeFile writes r to target with perm, replacing whatever is there.
func writeFile(target string, r io.Reader, perm fs.FileMode) error {
	if err := replaceable(target); err != nil {
		return err
	}
	out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, r)
	return errors.Join(err, out.Close())
}

// writeLink makes target a symbolic link to link, replacing whatever is there.
func writeLink(target, link string) error {
	if err := replaceable(target); err != nil {
		return err
	}
	return os.Symlink(link, target)
}

// replaceable removes what is at target (a later layer replaces an earlier one's file) and makes
// its parent directory.
func replaceable(target string) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	if err := os.RemoveAll(target); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// pruneCache removes the entries of parent that expired says are due, given how long each has
// gone unused (its modification time, which users refresh on each use).
func pruneCache(parent string, now time.Time, log *slog.Logger, expired func(name string, unused time.Duration) bool) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		log.Debug("cannot list the cache to prune", "dir", parent, "err", err)
		return
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		unused := now.Sub(info.ModTime())
		if !expired(e.Name(), unused) {
			continue
		}
		p := filepath.Join(parent, e.Name())
		if err := os.RemoveAll(p); err != nil {
			log.Warn("cannot remove an unused cache entry", "dir", p, "err", err)
			continue
		}
		log.Debug("removed an unused cache entry", "dir", p, "unused", unused.Round(time.Second))
	}
}
