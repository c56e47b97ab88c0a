package sigv4_test

import (
	"context"
	"net/http"
	"testing"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/switchboardhq/switchboard/internal/auth/sigv4"
)

// BenchmarkVerify measures verifying a header-signed PostToConnection-sized request.
func BenchmarkVerify(b *testing.B) {
	v, err := sigv4.New(sigv4.Options{Region: region, Lookup: keys()})
	if err != nil {
		b.Fatal(err)
	}
	body := make([]byte, 1024)
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:3001/local/%40connections/BFHPhfCWIAMCKlQ%3D", nil)
	req.Header.Set("Content-Type", "application/octet-stream")
	req.ContentLength = int64(len(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), creds(akid, ""), req, payloadHash(body), sigv4.Service, region, t0); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(req, body, t0); err != nil {
			b.Fatal(err)
		}
	}
}
