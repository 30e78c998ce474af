package expr

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// item decodes a DynamoDB JSON attribute map.
func item(t *testing.T, js string) map[string]wire.Value {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(js), &raw); err != nil {
		t.Fatal(err)
	}
	it, err := wire.DecodeItem(raw)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func context(t *testing.T, names map[string]string, values string) *Context {
	t.Helper()
	var raw map[string]json.RawMessage
	if values != "" {
		if err := json.Unmarshal([]byte(values), &raw); err != nil {
			t.Fatal(err)
		}
	}
	c, err := NewContext(names, raw, true)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Conditions evaluate as DynamoDB evaluates them, without a table.
func TestConditionEval(t *testing.T) {
	it := item(t, `{"id":{"S":"k1"},"n":{"N":"10"},"tags":{"SS":["a","b"]},"name":{"S":"alpha"}}`)
	values := `{":five":{"N":"5"},":ten":{"N":"10.0"},":a":{"S":"a"},":al":{"S":"al"},":s":{"S":"S"}}`
	for _, tc := range []struct {
		expr string
		want bool
	}{
		{"n > :five", true},
		{"n = :ten", true}, // numbers compare by value, not spelling
		{"n BETWEEN :five AND :ten", true},
		{"n < :five OR begins_with(#nm, :al)", true},
		{"NOT contains(tags, :a)", false},
		{"attribute_exists(missing)", false},
		{"attribute_not_exists(missing) AND attribute_type(#nm, :s)", true},
		{"n IN (:five, :ten)", true},
		{"(n <> :ten)", false},
	} {
		c := context(t, map[string]string{"#nm": "name"}, values)
		cond, err := c.ParseCondition("ConditionExpression", tc.expr)
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		if got := cond.Eval(it); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.expr, got, tc.want)
		}
	}
}

// Updates apply SET, REMOVE, ADD and DELETE on a copy and name what they
// touched; a value no expression used is refused.
func TestUpdateApply(t *testing.T) {
	old := item(t, `{"id":{"S":"k1"},"n":{"N":"10"},"tags":{"SS":["a","b"]},"gone":{"S":"x"}}`)
	c := context(t, nil, `{":one":{"N":"1"},":b":{"SS":["b"]},":z":{"S":"z"}}`)
	u, err := c.ParseUpdate("SET z = :z ADD n :one REMOVE gone DELETE tags :b")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CheckUnused(); err != nil {
		t.Fatal(err)
	}
	got, named, err := u.Apply(old, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := got["n"]; n.Str != "11" {
		t.Errorf("n = %+v, want 11", n)
	}
	if _, ok := got["gone"]; ok {
		t.Error("REMOVE left the attribute")
	}
	if tags := got["tags"]; len(tags.Strs) != 1 || tags.Strs[0] != "a" {
		t.Errorf("tags = %v, want [a]", tags.Strs)
	}
	if old["n"].Str != "10" {
		t.Error("Apply changed the old item")
	}
	if strings.Join(named, ",") != "z,n,gone,tags" || strings.Join(u.Paths(), ",") != "z,n,gone,tags" {
		t.Errorf("named %v, paths %v", named, u.Paths())
	}

	unused := context(t, nil, `{":one":{"N":"1"},":two":{"N":"2"}}`)
	if _, err := unused.ParseUpdate("SET n = :one"); err != nil {
		t.Fatal(err)
	}
	if err := unused.CheckUnused(); err == nil || !strings.Contains(err.Error(), ":two") {
		t.Errorf("CheckUnused = %v, want the unused :two named", err)
	}
}

// Key conditions are checked against the schema they are given.
func TestKeyCondition(t *testing.T) {
	values := `{":h":{"S":"k1"},":r":{"N":"3"},":rs":{"S":"3"}}`
	for _, tc := range []struct {
		expr, err string
	}{
		{"id = :h AND sk > :r", ""},
		{"id = :h", ""},
		{"id = :h OR sk > :r", "Invalid operator used in KeyConditionExpression: OR"},
		{"sk > :r", "Query condition missed key schema element: id"},
		{"id > :h", "Query key condition not supported"},
		{"id = :h AND sk = :rs", "Condition parameter type does not match schema type"},
		{"id = :h AND begins_with(sk, :rs)", "operand type: N"},
	} {
		c := context(t, nil, values)
		cond, err := c.ParseCondition("KeyConditionExpression", tc.expr)
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		hash, rng, err := KeyCondition(cond, "id", wire.TypeS, "sk", wire.TypeN)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.expr, err)
		case tc.err == "" && (hash.Str != "k1" || (strings.Contains(tc.expr, "sk") != (rng != nil))):
			t.Errorf("%s: hash %+v, sort condition %v", tc.expr, hash, rng)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want %q", tc.expr, err, tc.err)
		}
	}
}

// TestInvalidKeyNamed checks that of several invalid keys the error names
// the least, every time: the maps' iteration order must not choose.
func TestInvalidKeyNamed(t *testing.T) {
	values := map[string]wire.Value{":ok": {}, "b": {}, "": {}, "1": {}, "a": {}}
	names := map[string]string{"#ok": "x", "z": "y", "m": "w"}
	for range 50 {
		if _, err := NewContextDecoded(nil, values, true); err == nil || !strings.HasSuffix(err.Error(), `key: ""`) {
			t.Fatalf("values: got %v, want the least invalid key, \"\"", err)
		}
		if _, err := NewContextDecoded(names, nil, true); err == nil || !strings.HasSuffix(err.Error(), `key: "m"`) {
			t.Fatalf("names: got %v, want the least invalid key, \"m\"", err)
		}
	}
}
