package event

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestDecodeResponseAccepts(t *testing.T) {
	cases := map[string]struct {
		in   string
		want Response
	}{
		"full": {
			`{"statusCode":201,"headers":{"A":"1"},"multiValueHeaders":{"B":["x","y"]},"body":"hi","isBase64Encoded":true}`,
			Response{StatusCode: 201, Headers: map[string]string{"A": "1"}, MultiValueHeaders: map[string][]string{"B": {"x", "y"}}, Body: "hi", IsBase64Encoded: true},
		},
		"status only":              {`{"statusCode":200}`, Response{StatusCode: 200}},
		"whitespace around":        {" \n\t{\"statusCode\": 404} \n", Response{StatusCode: 404}},
		"no statusCode":            {`{}`, Response{StatusCode: 200}},
		"only headers":             {`{"headers":{"test-header":"value"}}`, Response{StatusCode: 200, Headers: map[string]string{"test-header": "value"}}},
		"statusCode string":        {`{"statusCode":"201"}`, Response{StatusCode: 201}},
		"statusCode null":          {`{"statusCode":null,"body":"x"}`, Response{StatusCode: 200, Body: "x"}},
		"statusCode 200.0":         {`{"statusCode":200.0}`, Response{StatusCode: 200}},
		"statusCode exponent":      {`{"statusCode":4.01e2}`, Response{StatusCode: 401}},
		"headers null":             {`{"statusCode":200,"headers":null}`, Response{StatusCode: 200}},
		"headers empty":            {`{"statusCode":200,"headers":{}}`, Response{StatusCode: 200}},
		"header bool":              {`{"statusCode":200,"headers":{"a":true,"b":false}}`, Response{StatusCode: 200, Headers: map[string]string{"a": "true", "b": "false"}}},
		"multi bool":               {`{"statusCode":200,"multiValueHeaders":{"a":["v",true]}}`, Response{StatusCode: 200, MultiValueHeaders: map[string][]string{"a": {"v", "true"}}}},
		"multi empty list":         {`{"statusCode":200,"multiValueHeaders":{"a":[]}}`, Response{StatusCode: 200, MultiValueHeaders: map[string][]string{"a": {}}}},
		"body null":                {`{"statusCode":200,"body":null}`, Response{StatusCode: 200}},
		"isBase64Encoded null":     {`{"statusCode":200,"isBase64Encoded":null}`, Response{StatusCode: 200}},
		"connect subprotocol":      {`{"statusCode":200,"headers":{"Sec-WebSocket-Protocol":"chat"}}`, Response{StatusCode: 200, Headers: map[string]string{"Sec-WebSocket-Protocol": "chat"}}},
		"what aws-lambda-go sends": {`{"statusCode":200,"headers":null,"multiValueHeaders":null,"body":""}`, Response{StatusCode: 200}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := DecodeResponse([]byte(tc.in))
			if err != nil {
				t.Fatalf("DecodeResponse(%s): %v", tc.in, err)
			}
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("DecodeResponse(%s)\n got %#v\nwant %#v", tc.in, *got, tc.want)
			}
		})
	}
}

func TestDecodeResponseRejects(t *testing.T) {
	cases := map[string]string{
		"empty":                  ``,
		"spaces":                 "  \n",
		"null":                   `null`,
		"string":                 `"justAString"`,
		"number":                 `200`,
		"boolean":                `true`,
		"array":                  `[{"statusCode":200}]`,
		"invalid JSON":           `{"statusCode":200`,
		"trailing data":          `{"statusCode":200} {}`,
		"unknown key":            `{"statusCode":200,"wrongValue":"value"}`,
		"lambda error object":    `{"errorMessage":"boom","errorType":"Error"}`,
		"key case differs":       `{"StatusCode":200}`,
		"statusCode word":        `{"statusCode":"test"}`,
		"statusCode fraction":    `{"statusCode":200.5}`,
		"statusCode bool":        `{"statusCode":true}`,
		"statusCode object":      `{"statusCode":{}}`,
		"statusCode too small":   `{"statusCode":99}`,
		"statusCode zero":        `{"statusCode":0}`,
		"statusCode too large":   `{"statusCode":600}`,
		"statusCode huge":        `{"statusCode":1e300}`,
		"statusCode negative":    `{"statusCode":"-200"}`,
		"headers array":          `{"statusCode":200,"headers":["a"]}`,
		"headers string":         `{"statusCode":200,"headers":"a"}`,
		"header number":          `{"statusCode":200,"headers":{"Content-Length":52}}`,
		"header null":            `{"statusCode":200,"headers":{"a":null}}`,
		"header object":          `{"statusCode":200,"headers":{"a":{}}}`,
		"multi not a list":       `{"statusCode":200,"multiValueHeaders":{"test-multi-invalid":"value1"}}`,
		"multi null list":        `{"statusCode":200,"multiValueHeaders":{"a":null}}`,
		"multi number item":      `{"statusCode":200,"multiValueHeaders":{"a":[1]}}`,
		"multi not an object":    `{"statusCode":200,"multiValueHeaders":[]}`,
		"body object":            `{"statusCode":200,"body":{"hey":"dude"}}`,
		"body number":            `{"statusCode":200,"body":1}`,
		"isBase64Encoded text":   `{"statusCode":200,"isBase64Encoded":"true"}`,
		"isBase64Encoded number": `{"statusCode":200,"isBase64Encoded":1}`,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := DecodeResponse([]byte(in))
			if err == nil {
				t.Fatalf("DecodeResponse(%s) = %#v, want an error", in, got)
			}
			if !errors.Is(err, ErrBadResponse) {
				t.Errorf("error %v does not wrap ErrBadResponse", err)
			}
			if got != nil {
				t.Errorf("a rejected result returned %#v", got)
			}
		})
	}
}

func TestResponseValidate(t *testing.T) {
	for _, code := range []int{100, 200, 599} {
		if err := (&Response{StatusCode: code}).Validate(); err != nil {
			t.Errorf("Validate(%d): %v", code, err)
		}
	}
	for _, code := range []int{0, 99, 600, -1} {
		if err := (&Response{StatusCode: code}).Validate(); !errors.Is(err, ErrBadResponse) {
			t.Errorf("Validate(%d) = %v, want ErrBadResponse", code, err)
		}
	}
}

func FuzzDecodeResponse(f *testing.F) {
	for _, seed := range []string{
		`{"statusCode":200,"headers":{"a":"b","c":true},"multiValueHeaders":{"d":["e",false]},"body":"x","isBase64Encoded":false}`,
		`{}`, `null`, `"s"`, `[1]`, `{"statusCode":"201"}`, `{"statusCode":2e2}`, `{"body":null,"headers":null}`,
		`{"statusCode":200,"unknown":1}`, `{"statusCode":200,"body":"\u00ff\ud800"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		resp, err := DecodeResponse(data)
		if err != nil {
			if resp != nil || !errors.Is(err, ErrBadResponse) {
				t.Fatalf("error %v with response %#v", err, resp)
			}
			return
		}
		if resp.StatusCode < 100 || resp.StatusCode > 599 {
			t.Fatalf("accepted status %d", resp.StatusCode)
		}
		// An accepted result re-encodes to JSON that decodes to the same Response.
		again, err := json.Marshal(resp)
		if err != nil {
			t.Fatalf("re-encoding %#v: %v", resp, err)
		}
		resp2, err := DecodeResponse(again)
		if err != nil {
			t.Fatalf("re-encoded %s is rejected: %v", again, err)
		}
		if !reflect.DeepEqual(resp, resp2) {
			t.Fatalf("round trip changed the response\nfirst  %#v\nsecond %#v", resp, resp2)
		}
	})
}

func BenchmarkDecodeResponse(b *testing.B) {
	data := []byte(`{"statusCode":200,"headers":{"Content-Type":"application/json"},"body":"{\"ok\":true}"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeResponse(data); err != nil {
			b.Fatal(err)
		}
	}
}
