package policy

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseDocument(t *testing.T) {
	tests := []struct {
		name string
		json string
		want []Statement
	}{
		{
			name: "statement array with string fields",
			json: `{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:a"}]}`,
			want: []Statement{{Effect: Allow, Action: []string{"execute-api:Invoke"}, Resource: []string{"arn:a"}}},
		},
		{
			name: "single statement object with list fields (aws-lambda-go's shape)",
			json: `{"Version":"2012-10-17","Statement":{"Action":["a:b","c:d"],"Effect":"Deny","Resource":["r1","r2"],"Sid":"x"}}`,
			want: []Statement{{Sid: "x", Effect: Deny, Action: []string{"a:b", "c:d"}, Resource: []string{"r1", "r2"}}},
		},
		{
			name: "lower-case keys and effect",
			json: `{"version":"2012-10-17","statement":[{"effect":"allow","action":"a:b","resource":"*"}]}`,
			want: []Statement{{Effect: Allow, Action: []string{"a:b"}, Resource: []string{"*"}}},
		},
		{
			name: "SST-style plural keys",
			json: `{"Statement":[{"effect":"Allow","actions":["a:b"],"resources":["*"]}]}`,
			want: []Statement{{Effect: Allow, Action: []string{"a:b"}, Resource: []string{"*"}}},
		},
		{
			name: "no statements",
			json: `{"Version":"2012-10-17","Statement":[]}`,
			want: []Statement{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := ParseDocument([]byte(tc.json))
			if err != nil {
				t.Fatalf("ParseDocument: %v", err)
			}
			if !reflect.DeepEqual(doc.Statement, tc.want) {
				t.Fatalf("statements = %#v, want %#v", doc.Statement, tc.want)
			}
		})
	}
}

func TestParseDocumentErrors(t *testing.T) {
	tests := []struct {
		name, json, wantErr string
	}{
		{"not an object", `[1]`, "must be a JSON object"},
		{"null", `null`, "must be a JSON object"},
		{"null statement", `{"Statement":null}`, "statement must be a JSON object"},
		{"statement not object", `{"Statement":"x"}`, "Statement"},
		{"statement array of strings", `{"Statement":["x"]}`, "Statement[0]"},
		{"bad effect", `{"Statement":[{"Effect":"Maybe","Action":"a","Resource":"r"}]}`, "Effect must be"},
		{"missing action", `{"Statement":[{"Effect":"Allow","Resource":"r"}]}`, "Action is required"},
		{"missing resource", `{"Statement":[{"Effect":"Allow","Action":"a"}]}`, "Resource is required"},
		{"empty action entry", `{"Statement":[{"Effect":"Allow","Action":[""],"Resource":"r"}]}`, "empty entry"},
		{"action number", `{"Statement":[{"Effect":"Allow","Action":5,"Resource":"r"}]}`, "string or an array"},
		{"resource list of numbers", `{"Statement":[{"Effect":"Allow","Action":"a","Resource":[1]}]}`, "string or an array"},
		{"condition rejected", `{"Statement":[{"Effect":"Allow","Action":"a","Resource":"r","Condition":{}}]}`, "Condition: not supported"},
		{"not action rejected", `{"Statement":[{"Effect":"Deny","NotAction":"a","Resource":"r"}]}`, "NotAction: not supported"},
		{"unknown statement key", `{"Statement":[{"Effect":"Allow","Action":"a","Resource":"r","Colour":"red"}]}`, "Colour: unknown key"},
		{"unknown document key", `{"Statement":[],"Extra":1}`, "Extra: unknown key"},
		{"version number", `{"Version":2012}`, "Version must be a string"},
		{"overlong pattern", `{"Statement":[{"Effect":"Allow","Action":"a","Resource":"` + strings.Repeat("x", MaxPatternLength+1) + `"}]}`, "longer than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseDocument([]byte(tc.json))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("ParseDocument error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}
