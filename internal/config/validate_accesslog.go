package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// retentions are the log retention values SST accepts: SST v2's names and SST v3's durations.
var retentions = sortedKeys(retentionDays)

// logDestinationARNPattern matches the destinations AWS accepts for access logs: a CloudWatch
// Logs log group or a Kinesis Data Firehose stream.
var logDestinationARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:(logs|firehose):[a-z0-9-]*:\d{12}:\S+$`)

// accessLog checks the access log settings against AWS's rules for formats.
func (ck *checker) accessLog() {
	a := ck.c.AccessLog
	if !a.Enabled {
		return
	}
	const p = "accessLog.format"
	f := a.Format
	if len(f) > 3<<10 {
		ck.add(p, "is %d bytes; AWS allows at most 3 KB", len(f))
	}
	if !strings.Contains(f, "$context.requestId") && !strings.Contains(f, "$context.extendedRequestId") {
		ck.add(p, "must contain $context.requestId or $context.extendedRequestId (AWS's rule)")
	}
	if strings.ContainsAny(strings.TrimSuffix(f, "\n"), "\r\n") {
		ck.add(p, "must be a single line (AWS's rule; one trailing newline is allowed)")
	}
	if strings.TrimSpace(a.Destination) == "" {
		ck.add("accessLog.destination", `must be "stdout", "stderr" or a file path`)
	}
	if a.DestinationARN != "" && !logDestinationARNPattern.MatchString(a.DestinationARN) {
		ck.add("accessLog.destinationArn", "must be the ARN of a CloudWatch Logs log group or a Firehose stream, got %q", a.DestinationARN)
	}
	if a.Retention != "" && !slices.Contains(retentions, a.Retention) {
		hint := ""
		if s := suggest(a.Retention, retentions); s != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", s)
		}
		ck.add("accessLog.retention", `must be one of SST's retentions ("one_week" ... "infinite", or "1 week" ... "forever"), got %q%s`, a.Retention, hint)
	}
}
