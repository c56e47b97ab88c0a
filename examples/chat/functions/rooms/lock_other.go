//go:build !unix

package rooms

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// lock creates path exclusively, retrying for up to ten seconds while another process holds it,
// and returns its release (removing the file).
func lock(path string) (func(), error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, err
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s is held by another process; remove it if none runs", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
