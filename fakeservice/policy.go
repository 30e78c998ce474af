package fakeservice

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/throttlebench/throttlebench/fakeservice/store"
	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// Policy decides whether an IAM action is allowed on a resource.
// internal/policy's Document implements it: bench serve -policy FILE
// enforces exactly what bench policy prints. (An interface, because that
// package builds policies from scenarios, and scenarios configure this
// package's model.)
type Policy interface {
	// Allows reports whether action (e.g. "dynamodb:PutItem") is allowed
	// on resource (a table ARN).
	Allows(action, resource string) bool
}

// DefaultPrincipal is the caller named in AccessDeniedException messages
// when Options.Principal is empty: an EC2 instance role session, as
// DynamoDB names an assumed role.
const DefaultPrincipal = "arn:aws:sts::%s:assumed-role/" + DefaultIMDSRole + "/" + IMDSInstanceID

// authorizer enforces a Policy on every API request.
type authorizer struct {
	policy    Policy
	region    string
	account   string
	principal string
}

func newAuthorizer(p Policy, region, account, principal string) *authorizer {
	if principal == "" {
		principal = fmt.Sprintf(DefaultPrincipal, account)
	}
	return &authorizer{policy: p, region: region, account: account, principal: principal}
}

// policyRequest is what authorization reads of any request body: the
// tables it names.
type policyRequest struct {
	TableName    *string
	ResourceArn  *string // TagResource, UntagResource, ListTagsOfResource
	RequestItems map[string]json.RawMessage
	Tags         []json.RawMessage // CreateTable
	// TransactItems (TransactWriteItems, TransactGetItems): each item
	// keyed by its kind, Put, Update, Delete, ConditionCheck or Get.
	TransactItems []map[string]struct{ TableName *string }
}

// check is one action on one resource that a request needs.
type check struct{ action, resource string }

// authorize returns nil when the policy allows operation op (the name after
// "DynamoDB_20120810.") on every table the request names, else DynamoDB's
// AccessDeniedException for the first action and resource denied. A
// transaction needs, for each item in order, its kind's action
// (store.TransactAction: PutItem for a Put, ConditionCheckItem for a
// ConditionCheck, ...) on its table, as IAM has no Transact* action. Like
// IAM, it checks before any validation; a body it cannot read names no
// table and is left to the API to refuse. It replaces r.Body with an
// equivalent reader.
func (a *authorizer) authorize(r *http.Request, op string) *wire.Error {
	if op == "" || r.Body == nil {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestSize+1))
	if err != nil {
		return wire.SerializationError("could not read request body: " + err.Error())
	}
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
	var in policyRequest
	if op != "ListTables" && json.Unmarshal(body, &in) != nil {
		return nil
	}
	var resources []string
	switch {
	case op == "ListTables":
		resources = []string{store.TableARN(a.region, a.account, "*")}
	case in.RequestItems != nil:
		for name := range in.RequestItems {
			resources = append(resources, store.TableARN(a.region, a.account, name))
		}
		slices.Sort(resources)
	case in.ResourceArn != nil:
		resources = []string{*in.ResourceArn}
	case in.TableName != nil:
		resources = []string{store.TableARN(a.region, a.account, *in.TableName)}
	}
	var checks []check
	if op == "TransactWriteItems" || op == "TransactGetItems" {
		checks = transactChecks(in.TransactItems, a.region, a.account)
	} else {
		actions := []string{"dynamodb:" + op}
		if op == "CreateTable" && len(in.Tags) > 0 {
			// Tagging on creation needs TagResource as well.
			actions = append(actions, "dynamodb:TagResource")
		}
		for _, action := range actions {
			for _, res := range resources {
				checks = append(checks, check{action, res})
			}
		}
	}
	for _, c := range checks {
		if !a.policy.Allows(c.action, c.resource) {
			return accessDenied(a.principal, c.action, c.resource)
		}
	}
	return nil
}

// transactChecks returns what a transaction's items need, item by item: the
// action of the item's kind on its table. A member of no known kind or
// without a table name needs nothing here: the API refuses it.
func transactChecks(items []map[string]struct{ TableName *string }, region, account string) []check {
	var checks []check
	for _, item := range items {
		kinds := make([]string, 0, len(item))
		for kind := range item {
			kinds = append(kinds, kind)
		}
		slices.Sort(kinds) // an item of two kinds is refused later; check both in a fixed order
		for _, kind := range kinds {
			action, table := store.TransactAction(kind), item[kind].TableName
			if action != "" && table != nil {
				checks = append(checks, check{action, store.TableARN(region, account, *table)})
			}
		}
	}
	return checks
}

// accessDenied is DynamoDB's answer to an action no policy allows.
func accessDenied(principal, action, resource string) *wire.Error {
	return &wire.Error{Status: http.StatusBadRequest, Type: wire.NSCoral + "AccessDeniedException", Msg: fmt.Sprintf(
		"User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
		principal, action, resource, action)}
}
