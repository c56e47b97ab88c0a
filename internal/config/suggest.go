package config

import (
	"fmt"
	"strings"
)

// renamedKeys maps names that SST, CDK or AWS use for a prop to the key Switchboard uses for it.
// A suggestion is made only when the target (or, for targets such as "stage.name", its first or
// last segment) is a valid key where the mistake was made.
var renamedKeys = map[string]string{
	"apiName":                "name",
	"domain":                 "customDomain",
	"stageName":              "stage.name",
	"stageVariables":         "stage.variables",
	"throttling":             "throttle",
	"memorySize":             "memory",
	"env":                    "environment",
	"cert":                   "certificate",
	"name":                   "domainName",
	"ThrottlingRateLimit":    "rateLimit",
	"ThrottlingBurstLimit":   "burstLimit",
	"detailedMetricsEnabled": "detailedMetrics",
	"DetailedMetricsEnabled": "detailedMetrics",
}

// unknownKey builds the message for a key that is not one of valid.
func unknownKey(name string, valid []string) string {
	if name == "cdk" {
		return `unknown key "cdk": CDK overrides do not apply to Switchboard; docs/config.md lists the key for each CDK prop`
	}
	if s := suggest(name, valid); s != "" {
		return fmt.Sprintf("unknown key %q (did you mean %q?)", name, s)
	}
	return fmt.Sprintf("unknown key %q (valid keys: %s)", name, strings.Join(valid, ", "))
}

// suggest returns the entry of valid that name most likely means, or "".
func suggest(name string, valid []string) string {
	for _, v := range valid {
		if strings.EqualFold(v, name) {
			return v
		}
	}
	if to, ok := renamedKeys[name]; ok {
		first, _, _ := strings.Cut(to, ".")
		last := to[strings.LastIndex(to, ".")+1:]
		for _, v := range valid {
			if v == first {
				return to // at the top level: "stageName" is "stage.name"
			}
		}
		for _, v := range valid {
			if v == last {
				return last // inside stage: "stageName" is "name"
			}
		}
	}
	best, bestDist := "", maxTypoDistance(name)+1
	for _, v := range valid {
		if dist := editDistance(strings.ToLower(name), strings.ToLower(v)); dist < bestDist {
			best, bestDist = v, dist
		}
	}
	return best
}

// maxTypoDistance is how many edits a name may be from a valid key and still count as a typo.
func maxTypoDistance(name string) int {
	switch n := len(name); {
	case n <= 3:
		return 1
	case n <= 8:
		return 2
	default:
		return 3
	}
}

// editDistance is the Levenshtein distance between a and b, counted in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Suggest returns the entry of valid that name most likely means (a different case, a typo, a
// prefix), or "": the "did you mean" of config problems, for other readers of definitions.
func Suggest(name string, valid []string) string { return suggest(name, valid) }
