package sigv4_test

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/auth"
	"github.com/switchboardhq/switchboard/internal/auth/sigv4"
)

// FuzzParseAuthorization feeds arbitrary Authorization headers to the parser and to Verify. The
// parser must never panic, and what it accepts must be a complete authorization.
func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential="+akid+"/20240501/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd", "20240501T120000Z")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e,SignedHeaders=host,Signature=0", "")
	f.Add("Bearer x", "20240501T120000Z")
	f.Add("AWS4-HMAC-SHA256 Credential", "x")
	f.Add("AWS4-HMAC-SHA256 ,,,=,=", "20240501T120000Z")
	v, err := sigv4.New(sigv4.Options{Region: region, Lookup: keys()})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header, amzDate string) {
		a, err := sigv4.ParseAuthorization(header, amzDate != "")
		if err == nil {
			if a.Credential.AccessKeyID == "" || a.Signature == "" || !slices.Contains(a.SignedHeaders, "host") {
				t.Fatalf("accepted an incomplete authorization: %+v", a)
			}
		}
		req := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/local"}, Host: "example.com", Header: http.Header{}}
		req.Header["Authorization"] = []string{header}
		if amzDate != "" {
			req.Header["X-Amz-Date"] = []string{amzDate}
		}
		checkOutcome(t, v, req)
	})
}

// FuzzVerifyPresigned feeds arbitrary query strings and paths to Verify, starting from a real
// presigned URL. Verify must never panic and must answer every failure with a 4xx *auth.Error.
func FuzzVerifyPresigned(f *testing.F) {
	f.Add("/local", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="+akid+"%2F20240501%2Fus-east-1%2Fexecute-api%2Faws4_request&X-Amz-Date=20240501T120000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=3f1c")
	f.Add("/local/%40connections/a%3D", "X-Amz-Signature=&X-Amz-Signature=&X-Amz-Algorithm")
	f.Add("", "X-Amz-Credential=%zz")
	f.Add("/%", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a/b/c/d/e&X-Amz-Date=1&X-Amz-SignedHeaders=;&X-Amz-Signature=1&X-Amz-Expires=-1")
	v, err := sigv4.New(sigv4.Options{Region: region, Lookup: keys()})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, path, rawQuery string) {
		req := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: path, RawQuery: rawQuery}, Host: "example.com", Header: http.Header{}}
		if strings.HasPrefix(path, "/") {
			req.RequestURI = path + "?" + rawQuery
		}
		checkOutcome(t, v, req)
	})
}

func checkOutcome(t *testing.T, v *sigv4.Verifier, req *http.Request) {
	res, err := v.Verify(req, nil, t0)
	if err == nil {
		if res == nil || res.AccessKeyID == "" {
			t.Fatalf("success without a result: %+v", res)
		}
		return
	}
	var ae *auth.Error
	if !errors.As(err, &ae) || ae.Status < 400 || ae.Status > 499 || ae.Message == "" {
		t.Fatalf("error %v is not a 4xx *auth.Error", err)
	}
}
