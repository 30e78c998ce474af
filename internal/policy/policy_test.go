package policy

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/throttlebench/throttlebench/internal/scenario"
)

func load(t *testing.T, yaml string) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Parse("p.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestForScenario(t *testing.T) {
	const head = "name: q s\ntable: {read_capacity: 1, write_capacity: 1}\nstrategies: [none]\n"
	tests := []struct {
		name    string
		yaml    string
		opts    Options
		actions []string
		res     string
	}{
		{"puts", head + "workload: {rate: 1/s, duration: 1s}", Options{Region: "eu-west-1", Account: "123456789012"},
			[]string{"dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:DescribeTable", "dynamodb:PutItem", "dynamodb:TagResource"},
			"arn:aws:dynamodb:eu-west-1:123456789012:table/throttlebench-q-s-*"},
		{"mix and preload", head + "workload: {rate: 1/s, duration: 1s, mix: {GetItem: 1, Query: 2}, preload: true}", Options{},
			[]string{"dynamodb:BatchWriteItem", "dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:TagResource", "dynamodb:UpdateTable"},
			"arn:aws:dynamodb:*:*:table/throttlebench-q-s-*"},
		{"transactions: their items' actions", head + "workload: {rate: 1/s, duration: 1s, mix: {transact_write: 3, transact_get: 1}}", Options{},
			[]string{"dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:TagResource"},
			"arn:aws:dynamodb:*:*:table/throttlebench-q-s-*"},
		{"existing table", head + "workload: {rate: 1/s, duration: 1s, operation: GetItem}", Options{ExistingTable: "mine"},
			[]string{"dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:ListTagsOfResource"},
			"arn:aws:dynamodb:*:*:table/mine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ForScenario(load(t, tt.yaml), tt.opts)
			if len(d.Statement) != 1 {
				t.Fatalf("got %d statements, want 1", len(d.Statement))
			}
			s := d.Statement[0]
			if !reflect.DeepEqual(s.Action, tt.actions) || !reflect.DeepEqual(s.Resource, []string{tt.res}) {
				t.Errorf("got %v on %v, want %v on %v", s.Action, s.Resource, tt.actions, tt.res)
			}
			b, _ := json.Marshal(d)
			back, err := Parse(b)
			if err != nil || !reflect.DeepEqual(back, d) {
				t.Errorf("round trip: %v, %+v", err, back)
			}
		})
	}
}

func TestAllows(t *testing.T) {
	d, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:*:*:table/app-*"},
		{"Effect":"Allow","Action":["dynamodb:Put*"],"Resource":["arn:aws:dynamodb:us-east-1:1:table/x"]},
		{"Effect":"Deny","Action":"*","Resource":"*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		action, res string
		want        bool
	}{
		{"dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/app-one", true},
		{"dynamodb:getitem", "arn:aws:dynamodb:us-east-1:1:table/app-one", true},
		{"dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/other", false},
		{"dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/x", true},
		{"dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/x/index/i", false},
		{"dynamodb:DeleteItem", "arn:aws:dynamodb:us-east-1:1:table/x", false},
	} {
		if got := d.Allows(tt.action, tt.res); got != tt.want {
			t.Errorf("Allows(%s, %s) = %v, want %v", tt.action, tt.res, got, tt.want)
		}
	}
	if _, err := Parse([]byte(`{"Statement":[{"Action":3}]}`)); err == nil {
		t.Errorf("bad Action accepted")
	}
}

// The policy bench policy prints for the shipped transaction scenario names
// the actions IAM authorizes transactions with, and no Transact* action
// (IAM has none: "Using IAM with DynamoDB transactions").
func TestForScenarioTransactionsFile(t *testing.T) {
	sc, err := scenario.Load("../../scenarios/transactions-hot-item.yaml")
	if err != nil {
		t.Fatal(err)
	}
	actions := ForScenario(sc, Options{}).Statement[0].Action
	for _, want := range []string{"dynamodb:PutItem", "dynamodb:GetItem"} {
		if !slices.Contains(actions, want) {
			t.Errorf("got %v, want %s among them", actions, want)
		}
	}
	for _, a := range actions {
		if strings.Contains(a, "Transact") {
			t.Errorf("got %s in %v, want no Transact* action", a, actions)
		}
	}
}

func TestActions(t *testing.T) {
	for _, tt := range []struct {
		op   string
		want []string
	}{
		{"PutItem", []string{"dynamodb:PutItem"}},
		{"BatchGetItem", []string{"dynamodb:BatchGetItem"}},
		{"TransactWriteItems", []string{"dynamodb:PutItem"}},
		{"TransactGetItems", []string{"dynamodb:GetItem"}},
	} {
		if got := Actions(tt.op); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Actions(%s): got %v, want %v", tt.op, got, tt.want)
		}
	}
}
