package route

import (
	"encoding/json"
	"strings"
	"testing"
)

// chatMessage is a typical 100-byte chat message.
var chatMessage = []byte(`{"action":"sendMessage","data":"` + strings.Repeat("x", 100-len(`{"action":"sendMessage","data":""}`)) + `"}`)

// bigMessage is a 4 KB message whose action member comes last, after nested data.
var bigMessage = func() []byte {
	const tail = `,"action":"sendMessage"}`
	head := `{"meta":{"user":"u-123","tags":["a","b","c"],"n":12.5},"data":"`
	pad := 4096 - len(head) - len(`"`) - len(tail)
	return []byte(head + strings.Repeat("y", pad) + `"` + tail)
}()

func benchTable(b *testing.B, expr string) *Table[int] {
	return NewTable(mustParse(b, expr), map[string]int{
		"$connect": 1, "$disconnect": 2, "$default": 3, "sendMessage": 4, "join": 5,
	})
}

func BenchmarkSelect(b *testing.B) {
	for _, bc := range []struct {
		name string
		body []byte
	}{
		{"chat-100B", chatMessage},
		{"action-last-4KB", bigMessage},
		{"not-json", []byte("hello there, this is a plain text message")},
	} {
		table := benchTable(b, "$request.body.action")
		if key, _, _ := table.Select(bc.body); bc.name != "not-json" && key != "sendMessage" {
			b.Fatalf("%s selects %q", bc.name, key)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.body)))
			b.ReportAllocs()
			for b.Loop() {
				table.Select(bc.body)
			}
		})
	}
}

func BenchmarkEval(b *testing.B) {
	e := mustParse(b, "$request.body.action")
	b.Run("chat-100B", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e.Eval(chatMessage)
		}
	})
	b.Run("json.Valid-only-4KB", func(b *testing.B) {
		b.SetBytes(int64(len(bigMessage)))
		b.ReportAllocs()
		for b.Loop() {
			json.Valid(bigMessage)
		}
	})
	// For comparison: what unmarshalling into a map would cost.
	b.Run("unmarshal-map-4KB", func(b *testing.B) {
		b.SetBytes(int64(len(bigMessage)))
		b.ReportAllocs()
		for b.Loop() {
			var m map[string]any
			_ = json.Unmarshal(bigMessage, &m)
		}
	})
}
