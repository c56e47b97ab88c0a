package config

import (
	"fmt"
	"math"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/internal/route"
)

// Validate checks a config built in Go the way Load checks a file: it applies defaults to the
// zero fields of c (in place, see ApplyDefaults) and returns a Problems error naming every
// problem by key path ("routes.$connect.function.timeout"). The problems carry file positions
// when c came from Load or Parse.
func Validate(c *Config) error {
	if c == nil {
		return Problems{{Message: "the config is nil"}}
	}
	ApplyDefaults(c)
	return check(c, sourceOf(c)).asError()
}

// checker runs the semantic checks shared by files and configs built in Go. Each problem is
// cited at the position of its key when the config came from a file.
type checker struct {
	c     *Config
	src   *source
	probs Problems
}

// check returns every semantic problem of c, whose defaults are already applied.
func check(c *Config, src *source) Problems {
	ck := &checker{c: c, src: src}
	ck.identity()
	ck.routes()
	ck.function("defaults.function", c.Defaults.Function)
	ck.authorizer()
	ck.accessLog()
	ck.customDomain()
	ck.stage()
	ck.limits()
	ck.server()
	ck.cluster()
	ck.connectionTags()
	return ck.probs
}

// add records a problem about path, cited where the file gave path or else its nearest ancestor.
func (ck *checker) add(path, format string, args ...any) {
	ck.addNear(path, path, format, args...)
}

// addNear records a problem about path that the file may state elsewhere: it is cited where the
// file gave path, else where it gave near (a missing key's sibling, say), else at path's nearest
// ancestor.
func (ck *checker) addNear(path, near, format string, args ...any) {
	p := Problem{Key: path, Message: fmt.Sprintf(format, args...)}
	if ck.src != nil {
		p.File = ck.src.file
		cite := path
		if !ck.src.written(path) && ck.src.written(near) {
			cite = near
		}
		if at, ok := ck.src.lookup(cite); ok {
			p.Line, p.Column = at.line, at.col
		}
	}
	ck.probs = append(ck.probs, p)
}

// isSet returns the value of a number for which zero means "unset", and whether it is set:
// non-zero, or written as 0 in the file. In the latter case the value returned is 0 even when
// ApplyDefaults has replaced it since, so that the range checks see what the file said.
func isSet[T int | float64 | time.Duration](ck *checker, path string, v T) (value T, set bool) {
	if ck.src.wroteZero(path) {
		return 0, true
	}
	return v, v != 0
}

var (
	regionPattern    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)
	accountIDPattern = regexp.MustCompile(`^\d{12}$`)
	apiIDPattern     = regexp.MustCompile(`^[a-z0-9]{10}$`)
	stageNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	stageVarPattern  = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	nodeIDPattern    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)
)

// identity checks the API's name and AWS identifiers.
func (ck *checker) identity() {
	c := ck.c
	if n := utf8.RuneCountInString(c.Name); n > 128 {
		ck.add("name", "must be at most 128 characters (AWS's limit for API names), got %d", n)
	}
	if !regionPattern.MatchString(c.Region) {
		ck.add("region", `must be an AWS region name such as "us-east-1", got %q`, c.Region)
	}
	if !accountIDPattern.MatchString(c.AccountID) {
		ck.add("accountId", "must be 12 digits, got %q", c.AccountID)
	}
	if !apiIDPattern.MatchString(c.APIID) {
		ck.add("apiId", "must be 10 lowercase letters or digits, got %q", c.APIID)
	}
	if _, err := route.Parse(c.RouteSelectionExpression); err != nil {
		ck.add("routeSelectionExpression", "%v", err)
	}
}

// stage checks the stage name, throttle and variables (AWS's rules and quotas).
func (ck *checker) stage() {
	s := ck.c.Stage
	if !stageNamePattern.MatchString(s.Name) {
		ck.add("stage.name", "may contain only letters, digits, - and _, at most 128 of them (AWS's rule), got %q", s.Name)
	}

	t := s.Throttle
	switch {
	case t.RateLimit < 0 || math.IsNaN(t.RateLimit) || math.IsInf(t.RateLimit, 0):
		ck.add("stage.throttle.rateLimit", "must be a number of requests per second, 0 or more")
	case t.RateLimit > 0 && t.BurstLimit == 0:
		ck.addNear("stage.throttle.burstLimit", "stage.throttle.rateLimit", "must be at least 1 when rateLimit is set: a bucket of size 0 lets no request through")
	case t.RateLimit == 0 && t.BurstLimit > 0:
		ck.addNear("stage.throttle.rateLimit", "stage.throttle.burstLimit", "must be more than 0 when burstLimit is set: the bucket would never refill")
	case t.RateLimit == 0 && t.BurstLimit == 0 &&
		ck.src.written("stage.throttle.rateLimit") && ck.src.written("stage.throttle.burstLimit"):
		ck.add("stage.throttle", "rateLimit and burstLimit are both 0, which on AWS rejects every request; remove throttle to turn throttling off")
	}
	if t.BurstLimit < 0 {
		ck.add("stage.throttle.burstLimit", "must be 0 or more")
	}

	if n := len(s.Variables); n > 100 {
		ck.add("stage.variables", "has %d variables; AWS allows at most 100 per stage", n)
	}
	for _, name := range sortedKeys(s.Variables) {
		p := "stage.variables." + name
		if !stageVarPattern.MatchString(name) {
			ck.add(p, "variable names may contain only letters, digits and _, at most 64 of them (AWS's rule)")
		}
		if n := utf8.RuneCountInString(s.Variables[name]); n > 512 {
			ck.add(p, "is %d characters long; AWS allows at most 512", n)
		}
	}

	if len(s.GrantManagementAPIAccess) > 0 && ck.c.Authorizer.CredentialsFile == "" {
		ck.add("stage.grantManagementApiAccess", "names principals of the IAM credentials file; set authorizer.credentialsFile (with type: iam)")
	}
	for i, name := range s.GrantManagementAPIAccess {
		if strings.TrimSpace(name) == "" {
			ck.add(fmt.Sprintf("stage.grantManagementApiAccess[%d]", i), "must name a principal (its name, ARN or access key id)")
		}
	}
}

// limits checks the runtime limits.
func (ck *checker) limits() {
	l := ck.c.Limits
	msg, _ := isSet(ck, "limits.maxMessageBytes", l.MaxMessageBytes)
	if msg <= 0 {
		ck.add("limits.maxMessageBytes", "must be a positive number of bytes")
	}
	if frame, _ := isSet(ck, "limits.maxFrameBytes", l.MaxFrameBytes); frame <= 0 {
		ck.add("limits.maxFrameBytes", "must be a positive number of bytes")
	} else if msg > 0 && frame > msg {
		ck.addNear("limits.maxFrameBytes", "limits.maxMessageBytes", "is %d, more than maxMessageBytes (%d): a frame is part of a message", frame, msg)
	}
	if q, _ := isSet(ck, "limits.sendQueueBytes", l.SendQueueBytes); q <= 0 {
		ck.add("limits.sendQueueBytes", "must be a positive number of bytes")
	} else if msg > 0 && q < msg {
		ck.addNear("limits.sendQueueBytes", "limits.maxMessageBytes", "is %d, less than maxMessageBytes (%d): one full-size message must fit", q, msg)
	}
	for _, d := range []struct {
		path string
		v    time.Duration
	}{
		{"limits.idleTimeout", l.IdleTimeout},
		{"limits.maxConnectionDuration", l.MaxConnectionDuration},
		{"limits.writeTimeout", l.WriteTimeout},
	} {
		if v, _ := isSet(ck, d.path, d.v); v <= 0 {
			ck.add(d.path, "must be a positive duration")
		}
	}
	if v, _ := isSet(ck, "limits.integrationTimeout", l.IntegrationTimeout); v < 50*time.Millisecond || v > 15*time.Minute {
		ck.add("limits.integrationTimeout", "must be between 50ms and 15m (AWS allows 50ms to 29s; Switchboard allows up to Lambda's 15 minutes), got %v", v)
	}
	if l.BinaryMessages != BinaryReject && l.BinaryMessages != BinaryBase64 {
		ck.add("limits.binaryMessages", `must be "reject" or "base64", got %q`, string(l.BinaryMessages))
	}
}

// server checks Switchboard's own settings.
func (ck *checker) server() {
	s := ck.c.Server
	if _, port, err := net.SplitHostPort(s.Listen); err != nil || !validPort(port) {
		ck.add("server.listen", `must be host:port, like "127.0.0.1:3001" or ":3001", got %q`, s.Listen)
	}
	if v, _ := isSet(ck, "server.shutdownTimeout", s.ShutdownTimeout); v <= 0 {
		ck.add("server.shutdownTimeout", "must be a positive duration")
	}
	if s.NodeID != "" && !nodeIDPattern.MatchString(s.NodeID) {
		ck.add("server.nodeId", "may contain only letters, digits, - and _, at most 32 of them, got %q", s.NodeID)
	}
	if s.Admin != "" {
		if _, port, err := net.SplitHostPort(s.Admin); err != nil || !validPort(port) {
			ck.add("server.admin", `must be host:port, like "127.0.0.1:9090", got %q`, s.Admin)
		} else if s.Admin == s.Listen && port != "0" {
			ck.add("server.admin", "is the public listener's address; the admin endpoints are never served there")
		}
	}
}

// validPort reports whether p is a port number (0 picks a free port).
func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 0 && n <= 65535 && strconv.Itoa(n) == p
}
