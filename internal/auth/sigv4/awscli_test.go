package sigv4_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// awsCLIv2 returns the path of an AWS CLI v2 binary, or skips the test.
func awsCLIv2(t *testing.T) string {
	t.Helper()
	for _, path := range []string{os.Getenv("SWITCHBOARD_AWS_CLI"), "/usr/bin/aws", "/usr/local/bin/aws"} {
		if path == "" {
			continue
		}
		out, err := exec.Command(path, "--version").CombinedOutput()
		if err == nil && strings.HasPrefix(string(out), "aws-cli/2.") {
			return path
		}
	}
	t.Skip("AWS CLI v2 not installed (apt-get install awscli, or set SWITCHBOARD_AWS_CLI)")
	return ""
}

// TestAWSCLI signs @connections calls with the real AWS CLI v2 (botocore's signer) and checks
// the verifier accepts them, and rejects them when the CLI has the wrong secret.
// Each CLI start takes seconds on a busy machine, so -short skips it.
func TestAWSCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs the AWS CLI")
	}
	cli := awsCLIv2(t)
	s := newServer(t, newVerifier(t, nil), time.Now)
	run := func(key string, args ...string) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, cli, append([]string{"apigatewaymanagementapi", "--endpoint-url", s.URL + "/local", "--region", region}, args...)...)
		cmd.Env = []string{"AWS_ACCESS_KEY_ID=" + akid, "AWS_SECRET_ACCESS_KEY=" + key, "AWS_EC2_METADATA_DISABLED=true",
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Logf("aws %s: %s", strings.Join(args, " "), out)
		}
		return err
	}
	if err := run(secret, "post-to-connection", "--connection-id", "BFHPhfCWIAMCKlQ=", "--data", "hello", "--cli-binary-format", "raw-in-base64-out"); err != nil {
		_, verr, uri := s.outcome()
		t.Fatalf("post-to-connection: %v (verifier: %v, uri %s)", err, verr, uri)
	}
	if _, _, uri := s.outcome(); uri != "/local/@connections/BFHPhfCWIAMCKlQ%3D" {
		t.Fatalf("the CLI sent %q; the verifier was tested with a different form", uri)
	}
	if err := run("wrong", "get-connection", "--connection-id", "abc="); err == nil {
		t.Fatal("the CLI with a wrong secret succeeded")
	}
	_, verr, _ := s.outcome()
	if verr == nil {
		t.Fatal("verifier accepted a wrong secret")
	}
}
