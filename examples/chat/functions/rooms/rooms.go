// Package rooms keeps the chat example's room membership for its Lambda functions: which room
// each connection is in. The functions run as separate processes (on AWS, separate execution
// environments), so the state lives outside them. On AWS this would be a DynamoDB table keyed by
// connection id; here it is one JSON file, locked while it is read and rewritten, under the
// directory the functions' ROOMS_DIR environment variable names.
//
// Use Open to get the Store, Join and Leave on $connect and $disconnect, and Room to find the
// sender's room and everyone in it.
package rooms

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// DirEnv names the environment variable that holds the store's directory. Relative paths are
// relative to the function's working directory (LAMBDA_TASK_ROOT: the config file's directory).
const DirEnv = "ROOMS_DIR"

// DefaultDir is the directory used when DirEnv is not set.
const DefaultDir = ".data"

// Store is the membership file. Every method reads the file afresh, so the Store may be kept
// for the life of a worker process.
type Store struct {
	path string
}

// state is the file's content: the room of each connection.
type state struct {
	Connections map[string]string `json:"connections"`
}

// Open returns the store in the directory named by $ROOMS_DIR (DefaultDir when unset), creating
// the directory.
func Open() (*Store, error) {
	dir := os.Getenv(DirEnv)
	if dir == "" {
		dir = DefaultDir
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("rooms: %w", err)
	}
	return &Store{path: filepath.Join(dir, "rooms.json")}, nil
}

// Join puts the connection in room.
func (s *Store) Join(connectionID, room string) error {
	return s.update(func(st *state) { st.Connections[connectionID] = room })
}

// Leave removes the connection from its room, if it is in one.
func (s *Store) Leave(connectionID string) error {
	return s.update(func(st *state) { delete(st.Connections, connectionID) })
}

// Room returns the room of the connection and every connection in it (itself included), sorted;
// "" and none when the connection is in no room.
func (s *Store) Room(connectionID string) (room string, members []string, err error) {
	err = s.update(func(st *state) {
		room = st.Connections[connectionID]
		if room == "" {
			return
		}
		for id, r := range st.Connections {
			if r == room {
				members = append(members, id)
			}
		}
	})
	sort.Strings(members)
	return room, members, err
}

// update runs fn on the file's content under the file lock and writes the result back, through
// a temporary file renamed into place so that a crash never leaves half a file.
func (s *Store) update(fn func(*state)) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("rooms %s: %w", s.path, err)
		}
	}()
	unlock, err := lock(s.path + ".lock")
	if err != nil {
		return err
	}
	defer unlock()

	st := state{Connections: map[string]string{}}
	data, err := os.ReadFile(s.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return err
	default:
		if err := json.Unmarshal(data, &st); err != nil {
			return err
		}
		if st.Connections == nil {
			st.Connections = map[string]string{}
		}
	}
	fn(&st)
	out, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if string(out) == string(data) {
		return nil
	}
	tmp := s.path + ".tmp"
	if err := os.WriteFile(tmp, out, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, s.path)
}
