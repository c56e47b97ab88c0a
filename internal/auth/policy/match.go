package policy

import (
	"unicode"
	"unicode/utf8"
)

// MatchAction reports whether action (e.g. "execute-api:Invoke") matches pattern. Actions
// compare case-insensitively; * matches any run of characters and ? any one character.
func MatchAction(pattern, action string) bool {
	return glob(pattern, action, false)
}

// MatchResource reports whether the resource ARN matches pattern, case-sensitively, with IAM's
// rules (IAM User Guide, "IAM JSON policy elements: Resource" [DOC]): wildcards work within the
// colon-separated segments of an ARN; * matches any run of characters including "/", and when
// it is the last character of a segment it may also extend across ":" into later segments;
// ? matches one character other than ":". So "…:abc/prod/*" matches "…:abc/prod/$connect" but
// "…:abc/prod/*/*" does not (it needs a second "/"), as AWS answers with 403 for it [OBS
// aws-powertools/powertools-lambda-python#5800]. A lone "*" matches everything.
func MatchResource(pattern, resource string) bool {
	return glob(pattern, resource, true)
}

// glob matches s against pattern with dynamic programming over characters, so its cost is
// len(pattern)*len(s) whatever the input (no exponential backtracking). With arn set, the match
// is case-sensitive and ? and stars that are not at the end of an ARN segment do not match ":";
// without it (actions) letters compare case-insensitively.
func glob(pattern, s string, arn bool) bool {
	if len(pattern) > MaxPatternLength || len(s) > 4*MaxPatternLength {
		return false
	}
	p := chars(pattern, !arn)
	r := chars(s, !arn)
	prev := make([]bool, len(r)+1)
	cur := make([]bool, len(r)+1)
	prev[0] = true
	for i, pc := range p {
		switch {
		case pc == '*':
			spans := !arn || i == len(p)-1 || p[i+1] == ':'
			cur[0] = prev[0]
			for j := 1; j <= len(r); j++ {
				cur[j] = prev[j] || (cur[j-1] && (spans || r[j-1] != ':'))
			}
		case pc == '?':
			cur[0] = false
			for j := 1; j <= len(r); j++ {
				cur[j] = prev[j-1] && (!arn || r[j-1] != ':')
			}
		default:
			cur[0] = false
			for j := 1; j <= len(r); j++ {
				cur[j] = prev[j-1] && r[j-1] == pc
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(r)]
}

// chars splits s into characters for glob: runes, lower-cased when fold is set, with each byte
// of invalid UTF-8 kept as a distinct negative value so that different invalid bytes never
// compare equal.
func chars(s string, fold bool) []rune {
	out := make([]rune, 0, len(s))
	for i := 0; i < len(s); {
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			c = -1 - rune(s[i])
		case fold:
			c = unicode.ToLower(c)
		}
		out = append(out, c)
		i += size
	}
	return out
}
