package natscluster

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"

	"github.com/switchboardhq/switchboard/internal/cluster/natscluster/natstest"
	"github.com/switchboardhq/switchboard/internal/event"
)

// testTLS makes a CA (written to a PEM file) and a server certificate for 127.0.0.1 signed by it.
func testTLS(t *testing.T) (caFile string, cfg *tls.Config) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "nats"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return caFile, &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
}

// joinWith connects with o and joins a cluster, then leaves.
func joinWith(t *testing.T, o ClientOptions) error {
	t.Helper()
	c, err := Connect(o)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := Join(ctx, c, Options{APIID: "secureapi1", Node: event.NewNodeID(), Host: newFakeHost(), LeaseTTL: time.Second})
	if err != nil {
		return err
	}
	return m.Leave(ctx)
}

// TestTLSAndNkey: a tls:// URL verified against a CA file, with an nkey seed file as the
// credentials; a wrong seed or no CA file is refused with a clear error.
func TestTLSAndNkey(t *testing.T) {
	caFile, tlsCfg := testTLS(t)
	user, _ := nkeys.CreateUser()
	pub, _ := user.PublicKey()
	seed, _ := user.Seed()
	seedFile := filepath.Join(t.TempDir(), "node.nk")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	ns := natstest.StartWith(t, &server.Options{TLSConfig: tlsCfg, TLS: true, Nkeys: []*server.NkeyUser{{Nkey: pub}}})
	url := "tls://127.0.0.1:" + strconv.Itoa(ns.Port())

	if err := joinWith(t, ClientOptions{URL: url, CAFile: caFile, Credentials: seedFile}); err != nil {
		t.Fatalf("tls + nkey: %v", err)
	}
	err := joinWith(t, ClientOptions{URL: url, Credentials: seedFile})
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("without the CA file: %v", err)
	}
	other, _ := nkeys.CreateUser()
	otherSeed, _ := other.Seed()
	wrong := filepath.Join(t.TempDir(), "wrong.nk")
	_ = os.WriteFile(wrong, otherSeed, 0o600)
	if err := joinWith(t, ClientOptions{URL: url, CAFile: caFile, Credentials: wrong}); err == nil || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Fatalf("unknown nkey: %v", err)
	}
	garbage := filepath.Join(t.TempDir(), "garbage")
	_ = os.WriteFile(garbage, []byte("not a key"), 0o600)
	if err := joinWith(t, ClientOptions{URL: url, CAFile: caFile, Credentials: garbage}); err == nil || !strings.Contains(err.Error(), "neither a .creds file nor an nkey seed") {
		t.Fatalf("garbage credentials: %v", err)
	}
}

// TestCredsFile: a decentralized-auth .creds file (user JWT + seed) signed by an account that
// the server trusts through its operator.
func TestCredsFile(t *testing.T) {
	okp, _ := nkeys.CreateOperator()
	opub, _ := okp.PublicKey()
	skp, _ := nkeys.CreateAccount()
	spub, _ := skp.PublicKey()
	sjwt, err := jwt.NewAccountClaims(spub).Encode(okp)
	if err != nil {
		t.Fatal(err)
	}
	oc := jwt.NewOperatorClaims(opub)
	oc.SystemAccount = spub
	if _, err := oc.Encode(okp); err != nil {
		t.Fatal(err)
	}
	akp, _ := nkeys.CreateAccount()
	apub, _ := akp.PublicKey()
	ac := jwt.NewAccountClaims(apub)
	ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1}
	ajwt, err := ac.Encode(okp)
	if err != nil {
		t.Fatal(err)
	}
	ukp, _ := nkeys.CreateUser()
	upub, _ := ukp.PublicKey()
	useed, _ := ukp.Seed()
	ujwt, err := jwt.NewUserClaims(upub).Encode(akp)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := jwt.FormatUserConfig(ujwt, useed)
	if err != nil {
		t.Fatal(err)
	}
	credsFile := filepath.Join(t.TempDir(), "node.creds")
	if err := os.WriteFile(credsFile, creds, 0o600); err != nil {
		t.Fatal(err)
	}
	resolver := &server.MemAccResolver{}
	if err := resolver.Store(apub, ajwt); err != nil {
		t.Fatal(err)
	}
	if err := resolver.Store(spub, sjwt); err != nil {
		t.Fatal(err)
	}
	ns := natstest.StartWith(t, &server.Options{TrustedOperators: []*jwt.OperatorClaims{oc}, AccountResolver: resolver, SystemAccount: spub})
	if err := joinWith(t, ClientOptions{URL: ns.URL(), Credentials: credsFile}); err != nil {
		t.Fatalf("creds file: %v", err)
	}
}
