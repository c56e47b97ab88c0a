package route

import (
	"strings"
	"testing"
)

// The body of the examples in AWS's route selection documentation (reference §4).
const docBody = `{"service":"chat","action":"join","data":{"room":"room1234"}}`

func TestEval(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 500) + `"bottom"` + strings.Repeat(`}`, 500)
	deepPath := "$request.body" + strings.Repeat(".a", 500)

	tests := []struct {
		name string
		expr string
		body string
		want string
		ok   bool
	}{
		// The documented examples.
		{"unwrapped", `$request.body.action`, docBody, "join", true},
		{"wrapped", `${request.body.action}`, docBody, "join", true},
		{"several variables", `${request.body.service}/${request.body.action}`, docBody, "chat/join", true},
		{"missing path is empty", `${request.body.action}-${request.body.nope}`, docBody, "join-", true},
		{"nested", `$request.body.data.room`, docBody, "room1234", true},
		{"static with escape", `\$default`, docBody, "$default", true},
		{"static", `always`, `{}`, "always", true},

		// Bodies that are not JSON.
		{"not JSON", `$request.body.action`, `hello`, "", false},
		{"empty body", `$request.body.action`, ``, "", false},
		{"truncated", `$request.body.action`, `{"action":"join"`, "", false},
		{"trailing garbage", `$request.body.action`, `{"action":"join"} x`, "", false},
		{"static needs JSON too", `always`, `hello`, "", false},
		{"whitespace only", `$request.body.action`, " \n\t", "", false},
		{"extra closing brace", `$request.body.action`, `{"action":"join"}}`, "", false},
		{"truncated literal", `$request.body.action`, `nul`, "", false},
		{"starts like JSON", `$request.body.action`, `tru`, "", false},
		{"padded scalar", `$request.body.action`, " 42 ", "", true},
		{"bare true", `always`, `true`, "always", true},

		// Missing values.
		{"missing member", `$request.body.action`, `{"other":"x"}`, "", true},
		{"top-level string", `$request.body.action`, `"join"`, "", true},
		{"top-level null", `$request.body.action`, `null`, "", true},
		{"step into string", `$request.body.action.x`, `{"action":"join"}`, "", true},
		{"index into object", `$request.body[0]`, `{"0":"x"}`, "", true},
		{"member of array", `$request.body.a.b`, `{"a":[{"b":1}]}`, "", true},
		{"index out of range", `$request.body[3]`, `[1,2,3]`, "", true},
		{"empty object", `$request.body.action`, `{}`, "", true},

		// Strings.
		{"case-sensitive member", `$request.body.action`, `{"Action":"join"}`, "", true},
		{"case kept in value", `$request.body.action`, `{"action":"SendMessage"}`, "SendMessage", true},
		{"escaped value", `$request.body.action`, `{"action":"send\u004dessage"}`, "sendMessage", true},
		{"escaped member name", `$request.body.action`, `{"\u0061ction":"join"}`, "join", true},
		{"escapes", `$request.body.a`, `{"a":"q\"b\\s\/n\nt\tr\rb\bf\f"}`, "q\"b\\s/n\nt\tr\rb\bf\f", true},
		{"surrogate pair", `$request.body.a`, `{"a":"\ud83d\ude00"}`, "😀", true},
		{"lone surrogate", `$request.body.a`, `{"a":"x\ud800y"}`, "x\uFFFDy", true},
		{"reversed surrogates", `$request.body.a`, `{"a":"\ude00\ud83d"}`, "\uFFFD\uFFFD", true},
		{"invalid UTF-8", `$request.body.a`, "{\"a\":\"x\xffy\"}", "x\uFFFDy", true},
		{"unicode", `$request.body.a`, `{"a":"héllo 世界"}`, "héllo 世界", true},
		{"unicode member", `$request.body.действие`, `{"действие":"go"}`, "go", true},
		{"empty string", `$request.body.a`, `{"a":""}`, "", true},
		{"route key text", `$request.body.action`, `{"action":"$connect"}`, "$connect", true},

		// Other JSON types are stringified.
		{"integer", `$request.body.a`, `{"a":42}`, "42", true},
		{"number as written", `$request.body.a`, `{"a":-1.50e+3}`, "-1.50e+3", true},
		{"true", `$request.body.a`, `{"a":true}`, "true", true},
		{"false", `$request.body.a`, `{"a":false}`, "false", true},
		{"null", `$request.body.a`, `{"a":null}`, "null", true},
		{"array", `$request.body.a`, `{"a":["item1","item2"]}`, "[item1, item2]", true},
		{"empty array", `$request.body.a`, `{"a":[]}`, "[]", true},
		{"mixed array", `$request.body.a`, `{"a":[1, "x", null, [true], {"k":"v"}]}`, "[1, x, null, [true], {k=v}]", true},
		{"object", `$request.body.a`, `{"a":{"b":1,"c":"x\u0021"}}`, "{b=1, c=x!}", true},
		{"empty object value", `$request.body.a`, `{"a":{ }}`, "{}", true},
		{"whole-body element", `$request.body[0]`, `[{"x":1}]`, "{x=1}", true},

		// Paths.
		{"array index", `$request.body[2]`, `[2,"4859659084","StatusNotification",{}]`, "StatusNotification", true},
		{"index then member", `$request.body.items[1].name`, `{"items":[{"name":"a"},{"name":"b"}]}`, "b", true},
		{"nested arrays", `${request.body[1][0]}`, `[[0],[1,2]]`, "1", true},
		{"deeply nested", deepPath, deep, "bottom", true},
		{"member after big values", `$request.body.action`, `{"data":{"x":[1,{"y":"}]\"{["}]},"z":"\\","action":"late"}`, "late", true},
		{"whitespace everywhere", `$request.body.a.b`, " \t\r\n{ \"a\" :\n{ \"b\" : \"v\" } } \n", "v", true},
		{"mixed literals", `x${request.body.a}y${request.body.b}z`, `{"a":1,"b":"2"}`, "x1y2z", true},

		// Repeated member names: the last one wins, as in encoding/json.
		{"duplicate keys", `$request.body.action`, `{"action":"first","action":"second"}`, "second", true},
		{"duplicate objects", `$request.body.a.b`, `{"a":{"b":1},"a":{"c":2}}`, "", true},
		{"duplicate escaped", `$request.body.action`, `{"action":"first","\u0061ction":"second"}`, "second", true},
		{"duplicates rendered", `$request.body.o`, `{"o":{"k":1,"k":2}}`, "{k=1, k=2}", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := e.Eval([]byte(tt.body))
			if got != tt.want || ok != tt.ok {
				t.Errorf("Eval(%q) on %q = (%q, %v), want (%q, %v)", tt.expr, tt.body, got, ok, tt.want, tt.ok)
			}
			// The reference implementation of fuzz_test.go must agree on every example.
			rgot, rok := referenceEval(e, []byte(tt.body))
			if rgot != tt.want || rok != tt.ok {
				t.Errorf("referenceEval(%q) on %q = (%q, %v), want (%q, %v)", tt.expr, tt.body, rgot, rok, tt.want, tt.ok)
			}
		})
	}
}

func TestEvalNilExpression(t *testing.T) {
	var e *Expression
	if k, ok := e.Eval([]byte(`{"action":"x"}`)); ok || k != "" {
		t.Errorf("nil Eval = (%q, %v), want (\"\", false)", k, ok)
	}
	if e.String() != "" {
		t.Errorf("nil String = %q", e.String())
	}
}

func TestEvalDoesNotAliasBody(t *testing.T) {
	e, err := Parse("$request.body.action")
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"action":"join"}`)
	key, _ := e.Eval(body)
	copy(body, `{"action":"XXXX"}`)
	if key != "join" {
		t.Errorf("key changed with the body: %q", key)
	}
}
