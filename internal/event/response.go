package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// ErrBadResponse is wrapped by every DecodeResponse and Validate error: the handler's result is
// not a usable Lambda proxy response (API Gateway logs "Malformed Lambda proxy response").
// integration.ErrBadResponse is this same error (package integration imports this one, not the
// other way round), so errors.Is matches either name.
var ErrBadResponse = errors.New("malformed Lambda proxy response")

// DefaultStatusCode is the status of a response object that has no statusCode.
const DefaultStatusCode = 200

// DecodeResponse reads what a handler returned (its JSON result) as a Lambda proxy response.
// Errors wrap ErrBadResponse; the gateway then behaves as for a failed integration
// ("Internal server error" frame, 502 on $connect), which is what API Gateway does on
// "Execution failed due to configuration error: Malformed Lambda proxy response".
//
// WebSocket APIs use the 1.0 proxy response format of REST APIs, and the captured WebSocket
// failures below match REST's validation, not HTTP APIs' more lenient one, so where only REST
// was measured Switchboard follows REST. Evidence levels as in the reference:
//
//   - null (and an empty result): malformed. [OBS, WebSocket] aws-lambda-graphql#48: a
//     $disconnect handler returning null logged "Endpoint response body before transformations:
//     null" then "Malformed Lambda proxy response".
//   - a JSON string, number, boolean or array: malformed. [OBS, REST] LocalStack's
//     AWS-validated test test_aws_proxy_response_payload_format_validation: returning the
//     string "justAString" gives 502.
//   - an object with a key other than statusCode, headers, multiValueHeaders, body and
//     isBase64Encoded (keys are case-sensitive): malformed. [OBS, WebSocket] middy#1219: a
//     response carrying ConnectionId and Data besides statusCode produced the "Internal server
//     error" frame; REST rejects {"statusCode":200,"wrongValue":"value"} in the same
//     AWS-validated test. (HTTP APIs ignore unknown keys.)
//   - an object without statusCode, e.g. {} or {"headers":{...}}: accepted as
//     DefaultStatusCode (200). [OBS, REST] same AWS-validated tests; [UNVERIFIED] on WebSocket
//     (HTTP APIs' 1.0 format answers 500 instead). A null statusCode counts as absent
//     [UNVERIFIED].
//   - statusCode as a string: accepted when it is a decimal integer ("201" gives 201),
//     malformed otherwise ("test"). [OBS, REST and HTTP API] same AWS-validated tests.
//     A number must be integral. A status outside 100–599 is malformed [UNVERIFIED]: no HTTP
//     response can carry it.
//   - headers: an object whose values are strings or booleans (true becomes "true"), or null
//     (absent) [OBS, REST, AWS-validated]; any other value type is malformed [UNVERIFIED].
//   - multiValueHeaders: an object whose values are arrays of strings or booleans, or null;
//     a non-array value is malformed [OBS, REST, AWS-validated].
//   - body: a string or null; an object body is malformed [OBS, REST: vincentsarago/lambda-proxy#59].
//   - isBase64Encoded: a boolean or null; anything else is malformed [UNVERIFIED].
//
// An accepted result re-encodes (encoding/json) to JSON that DecodeResponse reads back as the
// same Response: empty header maps decode as nil.
func DecodeResponse(data []byte) (*Response, error) {
	resp, err := decodeResponse(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadResponse, err)
	}
	return resp, nil
}

func decodeResponse(data []byte) (*Response, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, errors.New("empty result")
	}
	if data[0] != '{' {
		return nil, fmt.Errorf("result is %s, not an object", jsonKind(data[0]))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("result is not valid JSON: %w", err)
	}
	resp := &Response{StatusCode: DefaultStatusCode}
	for key, raw := range fields {
		var err error
		switch key {
		case "statusCode":
			err = decodeStatusCode(raw, &resp.StatusCode)
		case "headers":
			resp.Headers, err = decodeHeaders(raw)
		case "multiValueHeaders":
			resp.MultiValueHeaders, err = decodeMultiValueHeaders(raw)
		case "body":
			if !isNull(raw) {
				resp.Body, err = jsonString(raw)
			}
		case "isBase64Encoded":
			err = decodeNullable(raw, &resp.IsBase64Encoded)
		default:
			err = errors.New("unexpected key")
		}
		if err != nil {
			return nil, fmt.Errorf("%q: %w", key, err)
		}
	}
	if err := resp.validate(); err != nil {
		return nil, err
	}
	return resp, nil
}

// Validate reports whether r can be acted on; its error wraps ErrBadResponse. The only rule a
// typed Response can break is its StatusCode, which must lie in 100–599. Integrations that build
// a Response without JSON (the in-process Go handlers) call it so that they accept exactly what
// DecodeResponse accepts.
func (r *Response) Validate() error {
	if err := r.validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrBadResponse, err)
	}
	return nil
}

func (r *Response) validate() error {
	if r.StatusCode < 100 || r.StatusCode > 599 {
		return fmt.Errorf("statusCode %d is not an HTTP status", r.StatusCode)
	}
	return nil
}

// jsonString decodes a JSON string. Strings without escapes and with valid UTF-8, the common
// case, are sliced out directly; the rest go through encoding/json (which also turns invalid
// UTF-8 into U+FFFD).
func jsonString(raw json.RawMessage) (string, error) {
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' {
		inner := raw[1 : n-1]
		if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
			return string(inner), nil
		}
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("want a string: %w", err)
	}
	return s, nil
}

func jsonKind(first byte) string {
	switch first {
	case 'n':
		return "null"
	case '"':
		return "a string"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	default:
		return "not an object"
	}
}

func isNull(raw json.RawMessage) bool {
	return string(raw) == "null"
}

// decodeNullable decodes raw into dst, leaving dst unchanged for null.
func decodeNullable[T any](raw json.RawMessage, dst *T) error {
	if isNull(raw) {
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		var zero T
		return fmt.Errorf("want %T: %w", zero, err)
	}
	return nil
}

func decodeStatusCode(raw json.RawMessage, dst *int) error {
	if isNull(raw) {
		return nil
	}
	var text string
	if raw[0] == '"' {
		var err error
		if text, err = jsonString(raw); err != nil {
			return err
		}
	} else {
		text = string(raw)
	}
	if code, err := strconv.Atoi(text); err == nil {
		*dst = code
		return nil
	}
	if raw[0] != '"' {
		// An integral JSON number written with a fraction or exponent, e.g. 200.0 or 2e2.
		if f, err := strconv.ParseFloat(text, 64); err == nil && f == float64(int(f)) && f >= 0 && f < 1000 {
			*dst = int(f)
			return nil
		}
	}
	return fmt.Errorf("%s is not an integer", raw)
}

// headerValue reads a header value: a string, or a boolean written as "true"/"false".
func headerValue(raw json.RawMessage) (string, error) {
	switch {
	case len(raw) > 0 && raw[0] == '"':
		return jsonString(raw)
	case string(raw) == "true", string(raw) == "false":
		return string(raw), nil
	}
	return "", fmt.Errorf("header value %s is not a string", raw)
}

func decodeHeaders(raw json.RawMessage) (map[string]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return nil, errors.New("want an object of strings")
	}
	if len(fields) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(fields))
	for name, v := range fields {
		value, err := headerValue(v)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", name, err)
		}
		out[name] = value
	}
	return out, nil
}

func decodeMultiValueHeaders(raw json.RawMessage) (map[string][]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return nil, errors.New("want an object of arrays")
	}
	if len(fields) == 0 {
		return nil, nil
	}
	out := make(map[string][]string, len(fields))
	for name, v := range fields {
		var items []json.RawMessage
		if err := json.Unmarshal(v, &items); err != nil || items == nil {
			return nil, fmt.Errorf("%q: %s is not an array", name, v)
		}
		values := make([]string, 0, len(items))
		for _, item := range items {
			value, err := headerValue(item)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", name, err)
			}
			values = append(values, value)
		}
		out[name] = values
	}
	return out, nil
}
