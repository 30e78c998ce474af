// Package policy writes the least-privilege IAM policy a scenario needs and
// evaluates such a policy, so the fake service can enforce exactly what
// `bench policy` prints and a test can prove the policy both sufficient and
// minimal.
package policy

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/throttlebench/throttlebench/fakeservice/store"
	"github.com/throttlebench/throttlebench/internal/scenario"
)

// Document is an IAM policy document (the subset bench writes and reads).
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one Allow statement.
type Statement struct {
	Sid      string   `json:"Sid,omitempty"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
}

// Options say where the scenario runs.
type Options struct {
	Region, Account string // "*" when empty
	// TablePrefix is the prefix of the tables bench run creates;
	// "throttlebench" when empty.
	TablePrefix string
	// ExistingTable is the table given to bench run -table: then no table
	// is created or deleted, and its tags are read instead.
	ExistingTable string
}

// ForScenario returns the least-privilege policy of a run of sc: exactly the
// DynamoDB actions it calls, on exactly the tables it uses.
func ForScenario(sc *scenario.Scenario, o Options) Document {
	region, account, prefix := or(o.Region, "*"), or(o.Account, "*"), or(o.TablePrefix, "throttlebench")
	table := fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s-%s-*", region, account, prefix, cleanName(sc.Name))
	actions := map[string]bool{"dynamodb:DescribeTable": true}
	if o.ExistingTable != "" {
		table = fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", region, account, o.ExistingTable)
		actions["dynamodb:ListTagsOfResource"] = true
	} else {
		// CreateTable with Tags needs TagResource too.
		for _, a := range []string{"CreateTable", "TagResource", "DeleteTable"} {
			actions["dynamodb:"+a] = true
		}
		if sc.Workload.Preload {
			actions["dynamodb:UpdateTable"] = true
			actions["dynamodb:BatchWriteItem"] = true
		}
	}
	for op, weight := range sc.Workload.Weights() {
		if weight > 0 {
			for _, a := range Actions(op) {
				actions[a] = true
			}
		}
	}
	list := make([]string, 0, len(actions))
	for a := range actions {
		list = append(list, a)
	}
	sort.Strings(list)
	return Document{Version: "2012-10-17", Statement: []Statement{{
		Sid: "ThrottlebenchScenario" + strings.Map(alnum, sc.Name), Effect: "Allow", Action: list, Resource: []string{table},
	}}}
}

// runnerKinds are the kinds of item (members of TransactItems) bench run
// puts in each transaction operation: whole-item Puts, and Gets.
var runnerKinds = map[string][]string{
	scenario.OpTransactWrite: {"Put"},
	scenario.OpTransactGet:   {"Get"},
}

// Actions returns the IAM actions an operation of a scenario's mix needs as
// bench run sends it: the operation's own action, or for a transaction the
// actions of the items it sends (store.TransactAction, the rule the fake
// enforces): IAM has no dynamodb:TransactWriteItems or
// dynamodb:TransactGetItems.
func Actions(op string) []string {
	kinds, ok := runnerKinds[op]
	if !ok {
		return []string{"dynamodb:" + op}
	}
	actions := make([]string, len(kinds))
	for i, k := range kinds {
		actions[i] = store.TransactAction(k)
	}
	return actions
}

// Allows reports whether the document allows action (e.g.
// "dynamodb:PutItem") on resource (a table ARN). Wildcards * and ? match
// as IAM matches them.
func (d Document) Allows(action, resource string) bool {
	for _, s := range d.Statement {
		if s.Effect != "Allow" {
			continue
		}
		if matchAny(s.Action, action, true) && matchAny(s.Resource, resource, false) {
			return true
		}
	}
	return false
}

func matchAny(patterns []string, v string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			p, v = strings.ToLower(p), strings.ToLower(v)
		}
		// path.Match treats / specially; IAM's * crosses it, so match
		// without separators by escaping them away.
		if ok, _ := path.Match(strings.ReplaceAll(p, "/", "\x00"), strings.ReplaceAll(v, "/", "\x00")); ok {
			return true
		}
	}
	return false
}

// Parse reads a policy document; Action and Resource may be a string or a
// list, as in IAM.
func Parse(data []byte) (Document, error) {
	var raw struct {
		Version   string
		Statement []struct {
			Sid      string
			Effect   string
			Action   json.RawMessage
			Resource json.RawMessage
		}
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return Document{}, fmt.Errorf("policy: %w", err)
	}
	d := Document{Version: raw.Version}
	for i, s := range raw.Statement {
		actions, err := stringOrList(s.Action)
		if err != nil {
			return Document{}, fmt.Errorf("policy: Statement[%d].Action: %w", i, err)
		}
		resources, err := stringOrList(s.Resource)
		if err != nil {
			return Document{}, fmt.Errorf("policy: Statement[%d].Resource: %w", i, err)
		}
		d.Statement = append(d.Statement, Statement{Sid: s.Sid, Effect: s.Effect, Action: actions, Resource: resources})
	}
	return d, nil
}

func stringOrList(b json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		return []string{one}, nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("want a string or a list of strings")
	}
	return list, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func alnum(r rune) rune {
	if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
		return r
	}
	return -1
}

// cleanName maps a scenario name the way bench run names its tables.
func cleanName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '-'
	}, s)
}
