package served

import "strings"

// ClientName names the client family and retry mode a User-Agent header
// announces, such as "boto3 standard", "aws-sdk-js adaptive" or
// "aws-cli legacy": the first product token's name, lower-cased, and the
// retry mode from "cfg/retry-mode#MODE" or from the SDK's business metrics
// ("m/...": D legacy, E standard, F adaptive). The mode is left out when
// the header does not say it; "unknown" names an empty header.
func ClientName(ua string) string {
	ua = strings.TrimSpace(ua)
	if ua == "" {
		return "unknown"
	}
	first, _, _ := strings.Cut(ua, " ")
	family, _, _ := strings.Cut(first, "/")
	family = strings.ToLower(family)
	if family == "" {
		family = "unknown"
	}
	if mode := RetryMode(ua); mode != "" {
		return family + " " + mode
	}
	return family
}

// RetryMode returns the retry mode a User-Agent header announces (legacy,
// standard or adaptive), or "" when it says none.
func RetryMode(ua string) string {
	mode := ""
	for tok := range strings.FieldsSeq(ua) {
		if m, ok := strings.CutPrefix(tok, "cfg/retry-mode#"); ok {
			return strings.ToLower(m)
		}
		ids, ok := strings.CutPrefix(tok, "m/")
		if !ok {
			continue
		}
		for id := range strings.SplitSeq(ids, ",") {
			switch id {
			case "D":
				mode = "legacy"
			case "E":
				mode = "standard"
			case "F":
				mode = "adaptive"
			}
		}
	}
	return mode
}
