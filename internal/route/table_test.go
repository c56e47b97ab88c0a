package route

import (
	"slices"
	"testing"
)

func mustParse(t testing.TB, src string) *Expression {
	t.Helper()
	e, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestSelect(t *testing.T) {
	expr := mustParse(t, "$request.body.action")
	full := NewTable(expr, map[string]int{
		"$connect": 1, "$disconnect": 2, "$default": 3, "sendMessage": 4, "join": 5,
	})
	noDefault := NewTable(expr, map[string]int{"$connect": 1, "$disconnect": 2, "sendMessage": 4})

	tests := []struct {
		name  string
		table *Table[int]
		body  string
		key   string
		v     int
		ok    bool
	}{
		{"custom route", full, `{"action":"sendMessage","data":"hi"}`, "sendMessage", 4, true},
		{"escaped key", full, `{"action":"send\u004dessage"}`, "sendMessage", 4, true},
		{"unmatched goes to $default", full, `{"action":"nope"}`, "$default", 3, true},
		{"case-sensitive", full, `{"action":"SendMessage"}`, "$default", 3, true},
		{"missing member", full, `{"data":"x"}`, "$default", 3, true},
		{"not JSON", full, `sendMessage`, "$default", 3, true},
		{"binary-ish", full, "\x00\x01", "$default", 3, true},
		{"never $connect", full, `{"action":"$connect"}`, "$default", 3, true},
		{"never $disconnect", full, `{"action":"$disconnect"}`, "$default", 3, true},
		{"$default by name", full, `{"action":"$default"}`, "$default", 3, true},
		{"number key", NewTable(expr, map[string]int{"42": 9}), `{"action":42}`, "42", 9, true},
		{"no $default, unmatched", noDefault, `{"action":"nope"}`, "", 0, false},
		{"no $default, not JSON", noDefault, `nope`, "", 0, false},
		{"no $default, $connect", noDefault, `{"action":"$connect"}`, "", 0, false},
		{"no $default, match", noDefault, `{"action":"sendMessage"}`, "sendMessage", 4, true},
		{"empty key never selected", NewTable(expr, map[string]int{"": 7}), `{"action":""}`, "", 0, false},
		{"nil expression", NewTable(nil, map[string]int{"$default": 3, "x": 1}), `{"action":"x"}`, "$default", 3, true},
		{"empty table", NewTable(expr, map[string]int(nil)), `{"action":"x"}`, "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, v, ok := tt.table.Select([]byte(tt.body))
			if key != tt.key || v != tt.v || ok != tt.ok {
				t.Errorf("Select(%q) = (%q, %d, %v), want (%q, %d, %v)", tt.body, key, v, ok, tt.key, tt.v, tt.ok)
			}
		})
	}
}

func TestSelectMultiPartKey(t *testing.T) {
	table := NewTable(mustParse(t, "${request.body.service}/${request.body.action}"), map[string]string{
		"chat/join": "join handler", "$default": "fallback",
	})
	if key, v, ok := table.Select([]byte(docBody)); key != "chat/join" || v != "join handler" || !ok {
		t.Errorf("Select = (%q, %q, %v), want chat/join", key, v, ok)
	}
	if key, _, _ := table.Select([]byte(`{"service":"chat"}`)); key != "$default" {
		t.Errorf("Select of chat/ = %q, want $default", key)
	}
}

func TestTableAccessors(t *testing.T) {
	expr := mustParse(t, "$request.body.action")
	routes := map[string]string{"b": "B", "$default": "D", "a": "A", "$connect": "C"}
	table := NewTable(expr, routes)

	routes["a"] = "changed"
	routes["z"] = "Z"
	if v, ok := table.Get("a"); !ok || v != "A" {
		t.Errorf("Get(a) = (%q, %v) after the caller changed its map; want the copied A", v, ok)
	}
	if _, ok := table.Get("z"); ok {
		t.Error("Get(z) found a route added to the caller's map after NewTable")
	}
	if v, ok := table.Get("$connect"); !ok || v != "C" {
		t.Errorf("Get($connect) = (%q, %v)", v, ok)
	}
	if _, ok := table.Get("A"); ok {
		t.Error("Get is not case-sensitive")
	}
	want := []string{"$connect", "$default", "a", "b"}
	keys := table.Keys()
	if !slices.Equal(keys, want) {
		t.Errorf("Keys() = %q, want %q", keys, want)
	}
	keys[0] = "mutated"
	if got := table.Keys(); !slices.Equal(got, want) {
		t.Errorf("Keys() changed after the caller mutated a returned slice: %q", got)
	}
	if table.Len() != 4 {
		t.Errorf("Len() = %d, want 4", table.Len())
	}
	if table.Expression() != expr {
		t.Error("Expression() does not return the table's expression")
	}
}

func TestTableWith(t *testing.T) {
	expr := mustParse(t, "$request.body.action")
	old := NewTable(expr, map[string]string{"$default": "D", "join": "J1"})
	next := old.With(map[string]string{"join": "J2", "leave": "L"})

	if key, v, _ := old.Select([]byte(`{"action":"leave"}`)); key != "$default" || v != "D" {
		t.Errorf("old table selects (%q, %q) for leave; it must be unchanged", key, v)
	}
	if v, _ := old.Get("join"); v != "J1" {
		t.Errorf("old Get(join) = %q, want J1", v)
	}
	if old.Len() != 2 || !slices.Equal(old.Keys(), []string{"$default", "join"}) {
		t.Errorf("old table changed: %q", old.Keys())
	}

	if key, v, _ := next.Select([]byte(`{"action":"leave"}`)); key != "leave" || v != "L" {
		t.Errorf("new table selects (%q, %q) for leave, want (leave, L)", key, v)
	}
	if v, _ := next.Get("join"); v != "J2" {
		t.Errorf("new Get(join) = %q, want the replaced J2", v)
	}
	if v, _ := next.Get("$default"); v != "D" {
		t.Errorf("new Get($default) = %q, want D carried over", v)
	}
	if !slices.Equal(next.Keys(), []string{"$default", "join", "leave"}) || next.Len() != 3 {
		t.Errorf("new Keys() = %q", next.Keys())
	}
	if next.Expression() != expr {
		t.Error("With dropped the expression")
	}
}

func TestSelectAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	table := NewTable(mustParse(t, "$request.body.action"), map[string]int{"$default": 1, "sendMessage": 2, "a/b": 3})
	multi := NewTable(mustParse(t, "${request.body.s}/${request.body.action}"), map[string]int{"a/b": 3})
	tests := []struct {
		name  string
		table *Table[int]
		body  string
		want  string
	}{
		{"plain string", table, `{"action":"sendMessage","data":"hello"}`, "sendMessage"},
		{"escaped string", table, `{"action":"send\u004dessage"}`, "sendMessage"},
		{"fallback", table, `{"action":"other"}`, "$default"},
		{"not JSON", table, `hello`, "$default"},
		{"several parts", multi, `{"s":"a","action":"b"}`, "a/b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			if key, _, _ := tt.table.Select(body); key != tt.want {
				t.Fatalf("Select = %q, want %q", key, tt.want)
			}
			if n := testing.AllocsPerRun(100, func() { tt.table.Select(body) }); n != 0 {
				t.Errorf("Select allocates %v times per call, want 0", n)
			}
		})
	}
}
