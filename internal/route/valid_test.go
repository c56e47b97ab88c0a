package route

import (
	"encoding/json"
	"strings"
	"testing"
)

// validCases are bodies on both sides of every rule validJSON checks.
var validCases = []string{
	``, ` `, `{}`, ` { } `, `[]`, `[ ]`, `{"a":1}`, `{"a" : 1 , "b" : [1,2,{"c":null}]}`, `{"a":1,}`, `{,}`, `[1,]`,
	`[,1]`, `{"a"}`, `{"a":}`, `{a:1}`, `{"a":1 "b":2}`, `[1 2]`, `{]`, `[}`, `{"a":[}]}`, `[[[]]]`, `[[[]]`,
	`"x"`, `"\"\\\/\b\f\n\r\t"`, `"\u00e9\uD83D\uDE00"`, `"\u00g0"`, `"\u12"`, `"\x"`, `"abc`, "\"a\tb\"", "\"a\x01b\"",
	"\"caf\xc3\xa9\"", "\"\xff\xfe\"", "\"\x7f\"",
	`0`, `-0`, `01`, `-01`, `1.5`, `1.`, `.5`, `-`, `1e5`, `1E+5`, `1e-5`, `1e`, `1e+`, `-1.25e10`, `123abc`, `0x10`,
	`true`, `false`, `null`, `tru`, `nul`, `truex`, `True`, `[true,false,null]`, `{"t":true}`,
	` {"action":"echo","seq":1,"t":1763712000000000000,"data":"xxxxxxxxxxxx"} `, `{"action":"echo"}x`, `{} {}`,
	"\t\n\r {}\t\n\r ", "\v{}", `[` + strings.Repeat(`[`, 70) + strings.Repeat(`]`, 70) + `]`,
	strings.Repeat(`[`, 64) + strings.Repeat(`]`, 64), strings.Repeat(`[`, 65) + strings.Repeat(`]`, 64),
	strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat(`}`, 100), strings.Repeat(`[`, 10001) + strings.Repeat(`]`, 10001),
}

func TestValidJSONAgreesWithEncodingJSON(t *testing.T) {
	for _, c := range validCases {
		if got, want := validJSON([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("validJSON(%.60q) = %v, json.Valid says %v", c, got, want)
		}
	}
}

func FuzzValidJSON(f *testing.F) {
	for _, c := range validCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if got, want := validJSON(body), json.Valid(body); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid says %v", body, got, want)
		}
	})
}

func BenchmarkValidJSON(b *testing.B) {
	body := []byte(`{"action":"echo","seq":42,"t":1763712000000000000,"data":"` + strings.Repeat("x", 160) + `"}`)
	b.Run("validJSON", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			validJSON(body)
		}
	})
	b.Run("json.Valid", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			json.Valid(body)
		}
	})
}
