// Package tlsconf gives a local gateway the HTTPS that handlers written for AWS expect: a local
// certificate authority, a server certificate it signs, the CA bundle files worker processes
// trust, and a listener that serves TLS and plain connections on one port.
//
// Entry points:
//
//   - Provision does everything at once for a server: it loads or creates the CA in a directory,
//     issues a leaf certificate for the given hosts, writes the bundle files and returns them
//     with the server's *tls.Config (Local).
//   - LoadAuthority loads the CA kept in a directory, creating it on first use (ECDSA P-256,
//     valid ten years, private key file mode 0600); Authority.Issue signs a leaf certificate.
//   - WriteBundle writes the system's root certificates followed by extra PEM certificates, the
//     file that AWS_CA_BUNDLE, SSL_CERT_FILE and REQUESTS_CA_BUNDLE name; SystemRootsFile finds
//     the system's roots.
//   - NewListener wraps a net.Listener: each accepted connection's first byte is read in a
//     goroutine of its own, under a deadline, and a TLS handshake record (0x16) makes it a
//     *tls.Conn while anything else stays plain, so ws://, wss://, http:// and https:// all work
//     on the same port and a client that sends nothing cannot hold up Accept.
//
// The package imports no other Switchboard package.
package tlsconf
