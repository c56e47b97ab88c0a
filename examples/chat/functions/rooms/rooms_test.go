package rooms

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
)

func TestJoinRoomLeave(t *testing.T) {
	t.Setenv(DirEnv, t.TempDir())
	s, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	for id, room := range map[string]string{"a=": "lobby", "b=": "lobby", "c=": "other"} {
		if err := s.Join(id, room); err != nil {
			t.Fatal(err)
		}
	}
	room, members, err := s.Room("a=")
	if err != nil || room != "lobby" || !reflect.DeepEqual(members, []string{"a=", "b="}) {
		t.Fatalf("Room(a=) = %q %v %v", room, members, err)
	}
	if err := s.Leave("b="); err != nil {
		t.Fatal(err)
	}
	if _, members, _ := s.Room("a="); !reflect.DeepEqual(members, []string{"a="}) {
		t.Errorf("after b= left: %v", members)
	}
	if room, members, err := s.Room("gone="); room != "" || members != nil || err != nil {
		t.Errorf("Room of an unknown connection = %q %v %v", room, members, err)
	}
}

// TestConcurrentJoinsAreAllKept runs joins from many goroutines, each with its own Store and so
// its own lock file handle, as separate worker processes would: none is lost.
func TestConcurrentJoinsAreAllKept(t *testing.T) {
	t.Setenv(DirEnv, t.TempDir())
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open()
			if err == nil {
				err = s.Join(fmt.Sprintf("c%02d=", i), "lobby")
			}
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	s, _ := Open()
	_, members, err := s.Room("c00=")
	if err != nil || len(members) != n {
		t.Fatalf("%d members after %d concurrent joins (%v)", len(members), n, err)
	}
}
