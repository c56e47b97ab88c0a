package edge

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
)

// DefaultACMEDirectory is the ACME directory used when ACMEOptions.Directory is empty: Let's
// Encrypt's production CA.
const DefaultACMEDirectory = autocert.DefaultACMEDirectory

// ACMEProto is the ALPN protocol of ACME's TLS-ALPN-01 challenge (RFC 8737).
const ACMEProto = acme.ALPNProto

// Waits between failed issuances: the first retry after acmeRetryFirst, doubling up to
// acmeRetryMax. Let's Encrypt allows 5 failed validations per host name and hour; this
// schedule makes at most 5 tries in the first hour. acmeRetryFirst must exceed autocert's own
// one-minute hold on a failed attempt, so that a retry really asks the CA again.
const (
	acmeRetryFirst = 2 * time.Minute
	acmeRetryMax   = time.Hour
)

// acmeHTTPTimeout bounds one request to the CA.
const acmeHTTPTimeout = time.Minute

// ACMEOptions configure NewACME.
type ACMEOptions struct {
	// Domain is the custom domain to certify, e.g. "api.example.com". Required; wildcards
	// are refused, since TLS-ALPN-01 cannot validate them.
	Domain string
	// Email is the contact address registered with the CA account. Optional.
	Email string
	// Directory is the URL of the CA's ACME directory (HTTPS). Default DefaultACMEDirectory.
	Directory string
	// CAFile is a PEM file of CA certificates trusted, besides the system's roots, for the
	// directory's HTTPS: for private ACME CAs such as pebble. Optional; not with HTTPClient.
	CAFile string
	// CacheDir holds the CA account key and the certificates, one subdirectory per directory
	// URL (so a certificate from a test CA is never served for a production one), created
	// with mode 0700. Required; the certificates are reused from it after a restart.
	CacheDir string
	// Logger receives issuance, reuse and failure records. Default: discard.
	Logger *slog.Logger
	// HTTPClient talks to the CA. Default: a client trusting the system's roots and CAFile.
	HTTPClient *http.Client
}

// ACME is a CertSource that obtains a custom domain's certificate from an ACME CA with the
// TLS-ALPN-01 challenge, answered by the listener the certificate is for (list Protos in the
// domain's DomainTLS). The certificate is kept in the cache directory, reused after a restart
// and renewed 30 days before it expires. A failed issuance is retried after 2 minutes, then
// after twice the previous wait up to an hour; handshakes in between fail at once with the
// error, which carries the problem the CA reported.
type ACME struct {
	domain    string
	directory string
	cacheDir  string
	log       *slog.Logger
	m         *autocert.Manager

	mu       sync.Mutex
	failures int       // failed issuances in a row
	failed   uint64    // counts recorded failures, so that a failure is recorded once
	lastErr  error     // the last failure, while retryAt is ahead
	retryAt  time.Time // when the next issuance may start
	problems []caProblem
	seq      uint64 // numbers the problems
}

var _ CertSource = (*ACME)(nil)

// caProblem is a problem document the CA sent.
type caProblem struct {
	seq  uint64
	text string
}

// NewACME checks opts and returns the source. Nothing is requested from the CA until the first
// handshake or Prepare.
func NewACME(opts ACMEOptions) (*ACME, error) {
	domain, ok := NormalizeHost(opts.Domain)
	switch {
	case strings.HasPrefix(opts.Domain, "*."):
		return nil, fmt.Errorf("%s is a wildcard domain, which the TLS-ALPN-01 challenge cannot validate: give certificate and key files for it instead", opts.Domain)
	case !ok || isIP(domain) || !strings.Contains(domain, "."):
		return nil, fmt.Errorf("%q is not a domain name an ACME CA can certify", opts.Domain)
	}
	if opts.Email != "" {
		if addr, err := mail.ParseAddress(opts.Email); err != nil || addr.Address != opts.Email {
			return nil, fmt.Errorf("email %q is not an email address", opts.Email)
		}
	}
	directory := opts.Directory
	if directory == "" {
		directory = DefaultACMEDirectory
	}
	u, err := url.Parse(directory)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("directory %q is not an https:// URL", directory)
	}
	if opts.CacheDir == "" {
		return nil, errors.New("no cache directory to keep the ACME certificate in")
	}
	if opts.CAFile != "" && opts.HTTPClient != nil {
		return nil, errors.New("give a CA file or an HTTP client for the ACME CA, not both")
	}
	client := opts.HTTPClient
	if client == nil {
		if client, err = caClient(opts.CAFile); err != nil {
			return nil, err
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &ACME{
		domain:    domain,
		directory: directory,
		cacheDir:  filepath.Join(opts.CacheDir, cacheName(u)),
		log:       log.With("domain", domain, "directory", directory),
	}
	watched := *client
	next := client.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	watched.Transport = &problemWatch{next: next, a: a}
	a.m = &autocert.Manager{
		Prompt:     autocert.AcceptTOS,
		Cache:      &loggingCache{Cache: autocert.DirCache(a.cacheDir), a: a},
		HostPolicy: autocert.HostWhitelist(domain),
		Email:      opts.Email,
		Client:     &acme.Client{DirectoryURL: directory, HTTPClient: &watched, UserAgent: "switchboard"},
	}
	return a, nil
}

// caClient returns an HTTP client trusting the system's roots and the certificates in caFile.
func caClient(caFile string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if caFile != "" {
		data, err := os.ReadFile(caFile)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the path is named once
			}
			return nil, fmt.Errorf("caFile %s: %w", caFile, err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("caFile %s: no PEM certificate in the file", caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: acmeHTTPTimeout}, nil
}

// cacheName turns a directory URL into a directory name: "acme-v02.api.letsencrypt.org-directory".
func cacheName(u *url.URL) string {
	name := []byte(u.Host + u.Path)
	for i, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			name[i] = '-'
		}
	}
	return strings.Trim(string(name), "-.")
}

// Domain is the domain certified.
func (a *ACME) Domain() string { return a.domain }

// Dir is where the account key and the certificates are kept.
func (a *ACME) Dir() string { return a.cacheDir }

// Protos are the ALPN protocols the domain's handshakes must offer for the challenge:
// ACMEProto. Set them as the domain's DomainTLS.Protos.
func (a *ACME) Protos() []string { return []string{ACMEProto} }

// Certificate returns the domain's certificate: from memory, from the cache directory, or
// obtained from the CA now (the handshake waits). A hello offering only ACMEProto is the CA's
// validation and gets the challenge certificate.
func (a *ACME) Certificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	if name, _ := NormalizeHost(hello.ServerName); name != a.domain {
		return nil, fmt.Errorf("the ACME certificate of %s cannot serve server name %q", a.domain, hello.ServerName)
	}
	if len(hello.SupportedProtos) == 1 && hello.SupportedProtos[0] == ACMEProto {
		return a.m.GetCertificate(hello)
	}
	return a.obtain(hello)
}

// Prepare gets the certificate now, from the cache directory or from the CA, so that the
// first client does not wait for issuance. Call it once the listener serves the domain (the CA
// connects to it) and run it in a goroutine: it returns when the certificate is ready, when
// issuance failed (logged, and the next handshake or Prepare after the wait tries again) or when
// ctx ends.
func (a *ACME) Prepare(ctx context.Context) error {
	// A hello from a client that takes ECDSA certificates, as every current client does.
	hello := &tls.ClientHelloInfo{
		ServerName:        a.domain,
		CipherSuites:      []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		SignatureSchemes:  []tls.SignatureScheme{tls.ECDSAWithP256AndSHA256},
		SupportedCurves:   []tls.CurveID{tls.CurveP256},
		SupportedVersions: []uint16{tls.VersionTLS13, tls.VersionTLS12},
	}
	done := make(chan error, 1)
	go func() {
		cert, err := a.obtain(hello)
		if err == nil {
			a.log.Info("ACME certificate ready", certAttrs(cert.Leaf)...)
		}
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// obtain gets the certificate from autocert unless a failure is recent, and records a failure.
func (a *ACME) obtain(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	a.mu.Lock()
	if a.lastErr != nil && time.Now().Before(a.retryAt) {
		err := a.lastErr
		a.mu.Unlock()
		return nil, err
	}
	failed, seq := a.failed, a.seq
	a.mu.Unlock()

	cert, err := a.m.GetCertificate(hello)

	a.mu.Lock()
	defer a.mu.Unlock()
	if err == nil {
		a.failures, a.lastErr = 0, nil
		return cert, nil
	}
	if a.failed != failed && a.lastErr != nil {
		// Another handshake waited for the same issuance and recorded its failure.
		return nil, a.lastErr
	}
	a.failed++
	a.failures++
	wait := retryDelay(a.failures)
	a.retryAt = time.Now().Add(wait)
	var said []string
	for _, p := range a.problems {
		if p.seq > seq && !strings.Contains(err.Error(), p.text) && !contains(said, p.text) {
			said = append(said, p.text)
		}
	}
	a.lastErr = &ACMEError{Domain: a.domain, Directory: a.directory, CAProblems: said, RetryAt: a.retryAt, Err: err}
	a.log.Error("ACME certificate not obtained", "caProblems", strings.Join(said, "; "), "err", err, "failures", a.failures, "retryIn", wait.String())
	return nil, a.lastErr
}

// retryDelay is the wait after the nth failure in a row.
func retryDelay(n int) time.Duration {
	d := acmeRetryFirst
	for i := 1; i < n && d < acmeRetryMax; i++ {
		d *= 2
	}
	return min(d, acmeRetryMax)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ACMEError is a failed issuance, returned to the handshakes until the next try.
type ACMEError struct {
	Domain, Directory string
	// CAProblems are the problems the CA reported ("<type>: <detail>", prefixed with the
	// domain and challenge they are about) that Err does not already say.
	CAProblems []string
	// RetryAt is when the next handshake asks the CA again.
	RetryAt time.Time
	// Err is the ACME library's error.
	Err error
}

// Error says what the CA reported, what failed and when the next try is.
func (e *ACMEError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no certificate for %s from the ACME CA %s: ", e.Domain, e.Directory)
	if len(e.CAProblems) > 0 {
		fmt.Fprintf(&b, "the CA reported %s (%v)", strings.Join(e.CAProblems, "; "), e.Err)
	} else {
		b.WriteString(e.Err.Error())
	}
	fmt.Fprintf(&b, "; next try after %s", e.RetryAt.UTC().Format(time.RFC3339))
	return b.String()
}

// Unwrap returns Err.
func (e *ACMEError) Unwrap() error { return e.Err }

// noteProblem records (and logs) a problem the CA reported; badNonce, which the ACME client
// retries by itself, is left out.
func (a *ACME) noteProblem(typ, detail, about string) {
	if typ == "urn:ietf:params:acme:error:badNonce" || (typ == "" && detail == "") {
		return
	}
	text := strings.TrimSpace(typ + ": " + detail)
	if about != "" {
		text = about + ": " + text
	}
	a.log.Warn("the ACME CA reported a problem", "problem", text)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seq++
	a.problems = append(a.problems, caProblem{seq: a.seq, text: text})
	if len(a.problems) > 8 {
		a.problems = a.problems[len(a.problems)-8:]
	}
}

// problemWatch passes requests to the CA through and notes the problems in its answers: problem
// documents, and the errors of invalid challenges and orders, which autocert does not pass on.
type problemWatch struct {
	next http.RoundTripper
	a    *ACME
}

// acmeObject holds the parts of an ACME response that say what went wrong.
type acmeObject struct {
	Type       string        `json:"type"`
	Detail     string        `json:"detail"`
	Status     string        `json:"status"`
	Identifier *acme.AuthzID `json:"identifier"`
	Error      *struct {
		Type   string `json:"type"`
		Detail string `json:"detail"`
	} `json:"error"`
	Challenges []struct {
		Type  string `json:"type"`
		Error *struct {
			Type   string `json:"type"`
			Detail string `json:"detail"`
		} `json:"error"`
	} `json:"challenges"`
}

// maxACMEBody bounds the responses inspected; larger ones are passed on unread.
const maxACMEBody = 1 << 20

// RoundTrip sends req and notes the problems in the answer.
func (w *problemWatch) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := w.next.RoundTrip(req)
	if err != nil || res.Body == nil {
		return res, err
	}
	ct, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if ct != "application/json" && ct != "application/problem+json" || res.ContentLength > maxACMEBody {
		return res, nil
	}
	body, rerr := io.ReadAll(io.LimitReader(res.Body, maxACMEBody))
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		res.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{rerr}))
		return res, nil
	}
	var o acmeObject
	if json.Unmarshal(body, &o) != nil {
		return res, nil
	}
	if ct == "application/problem+json" {
		w.a.noteProblem(o.Type, o.Detail, "")
		return res, nil
	}
	about := ""
	if o.Identifier != nil {
		about = o.Identifier.Value
	}
	if o.Error != nil {
		w.a.noteProblem(o.Error.Type, o.Error.Detail, strings.TrimSpace(about+" "+o.Type))
	}
	for _, c := range o.Challenges {
		if c.Error != nil {
			w.a.noteProblem(c.Error.Type, c.Error.Detail, strings.TrimSpace(about+" "+c.Type))
		}
	}
	return res, nil
}

// errReader returns its error: a body cut short stays cut short for the ACME client.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// loggingCache is autocert's cache directory, logging when the domain's certificate is stored
// (issued or renewed) or loaded (reused after a restart).
type loggingCache struct {
	autocert.Cache
	a *ACME
}

// Get reads an entry, logging the certificate's reuse.
func (c *loggingCache) Get(ctx context.Context, key string) ([]byte, error) {
	data, err := c.Cache.Get(ctx, key)
	if err == nil && c.isCert(key) {
		c.a.log.Info("ACME certificate loaded from the cache", append(certAttrs(leafOf(data)), "dir", c.a.cacheDir)...)
	}
	return data, err
}

// Put stores an entry, logging a new certificate.
func (c *loggingCache) Put(ctx context.Context, key string, data []byte) error {
	err := c.Cache.Put(ctx, key, data)
	switch {
	case !c.isCert(key):
	case err != nil:
		c.a.log.Warn("ACME certificate obtained but not stored; it is requested again after a restart", "dir", c.a.cacheDir, "err", err)
	default:
		c.a.log.Info("ACME certificate obtained and stored", append(certAttrs(leafOf(data)), "dir", c.a.cacheDir)...)
	}
	return err
}

// isCert reports whether key names one of the domain's certificates (ECDSA or RSA).
func (c *loggingCache) isCert(key string) bool {
	return key == c.a.domain || key == c.a.domain+"+rsa"
}

// leafOf parses the first certificate in a cache entry (a private key and a chain in PEM).
func leafOf(data []byte) *x509.Certificate {
	for {
		var b *pem.Block
		if b, data = pem.Decode(data); b == nil {
			return nil
		}
		if b.Type == "CERTIFICATE" {
			leaf, _ := x509.ParseCertificate(b.Bytes)
			return leaf
		}
	}
}

// certAttrs are log attributes describing a certificate.
func certAttrs(leaf *x509.Certificate) []any {
	if leaf == nil {
		return nil
	}
	return []any{"issuer", leaf.Issuer.String(), "serial", leaf.SerialNumber.Text(16), "notAfter", leaf.NotAfter.UTC().Format(time.RFC3339)}
}
