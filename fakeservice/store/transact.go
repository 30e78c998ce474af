package store

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/expr"
	"github.com/throttlebench/throttlebench/fakeservice/throttle"
	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// This file is TransactWriteItems and TransactGetItems: all or nothing, at
// twice the capacity of the same plain reads and writes (see the package
// fakeservice documentation, "Transactions").

// MaxTransactItems is the most items one transaction holds.
const MaxTransactItems = 100

// TransactAction returns the IAM action that authorizes one item of a
// transaction, kind being its member in TransactItems ("Put", "Update",
// "Delete", "ConditionCheck" or "Get"), and "" for another kind. IAM has
// no action per transaction operation ("Using IAM with DynamoDB
// transactions"): an item needs its single-item operation's action, and a
// ConditionCheck dynamodb:ConditionCheckItem.
func TransactAction(kind string) string {
	switch kind {
	case "Put", "Update", "Delete", "Get":
		return "dynamodb:" + kind + "Item"
	case "ConditionCheck":
		return "dynamodb:ConditionCheckItem"
	}
	return ""
}

// TokenLifetime is how long a ClientRequestToken makes a
// TransactWriteItems idempotent.
const TokenLifetime = 10 * time.Minute

// txOp is one Put, Update, Delete or ConditionCheck of a TransactWriteItems,
// or one Get of a TransactGetItems.
type txOp struct {
	TableName                           *string
	Item                                map[string]json.RawMessage
	Key                                 map[string]json.RawMessage
	UpdateExpression                    *string
	ConditionExpression                 *string
	ProjectionExpression                *string
	ExpressionAttributeNames            map[string]string
	ExpressionAttributeValues           map[string]json.RawMessage
	ReturnValuesOnConditionCheckFailure *string
}

type transactWriteInput struct {
	TransactItems []struct {
		Put, Update, Delete, ConditionCheck *txOp
	}
	ClientRequestToken          *string
	ReturnConsumedCapacity      *string
	ReturnItemCollectionMetrics *string
}

// txWrite is one parsed item of a TransactWriteItems.
type txWrite struct {
	kind     string // Put, Update, Delete or ConditionCheck
	t        *Table
	key      Key
	keyAttrs map[string]wire.Value
	item     map[string]wire.Value // Put's item
	upd      *expr.Update
	cond     *expr.Condition
	allOld   bool
}

// tokens remembers the TransactWriteItems answers by ClientRequestToken.
type tokens struct {
	mu   sync.Mutex
	byID map[string]tokenEntry
}

type tokenEntry struct {
	sum [32]byte // of the request body
	at  time.Time
	out any
}

func (s *DB) transactWriteItems(body []byte) (any, error) {
	var in transactWriteInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validator
	v.transactItems(len(in.TransactItems), in.TransactItems == nil)
	v.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, returnConsumedCapacityValues...)
	v.enum("returnItemCollectionMetrics", in.ReturnItemCollectionMetrics, "SIZE", "NONE")
	if tok := in.ClientRequestToken; tok != nil && (len(*tok) < 1 || len(*tok) > 36) {
		v.add(quote(*tok), "clientRequestToken", "Member must have length less than or equal to 36")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	ops := make([]txWrite, len(in.TransactItems))
	for i, it := range in.TransactItems {
		var err error
		if ops[i], err = s.parseTxWrite(it.Put, it.Update, it.Delete, it.ConditionCheck); err != nil {
			return nil, err
		}
	}
	if err := distinctItems(len(ops), func(i int) (*Table, Key) { return ops[i].t, ops[i].key }); err != nil {
		return nil, err
	}
	if in.ClientRequestToken != nil {
		if out, done, err := s.tokens.lookup(*in.ClientRequestToken, body, s.now()); done {
			return out, err
		}
	}
	out, err := s.runTransactWrite(ops, in.ReturnConsumedCapacity)
	if err == nil && in.ClientRequestToken != nil {
		s.tokens.remember(*in.ClientRequestToken, body, s.now(), out)
	}
	return out, err
}

// lookup returns the answer remembered for token: done is true when the
// token was used within TokenLifetime, with out the answer if body is the
// same request, or IdempotentParameterMismatchException if not.
func (tk *tokens) lookup(token string, body []byte, now time.Time) (out any, done bool, err error) {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	e, ok := tk.byID[token]
	if !ok || now.Sub(e.at) >= TokenLifetime {
		return nil, false, nil
	}
	if e.sum != sha256.Sum256(body) {
		return nil, true, wire.IdempotentParameterMismatch()
	}
	return e.out, true, nil
}

// remember keeps out as the answer to token, forgetting expired tokens.
func (tk *tokens) remember(token string, body []byte, now time.Time, out any) {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	if tk.byID == nil {
		tk.byID = make(map[string]tokenEntry)
	}
	for k, e := range tk.byID {
		if now.Sub(e.at) >= TokenLifetime {
			delete(tk.byID, k)
		}
	}
	tk.byID[token] = tokenEntry{sum: sha256.Sum256(body), at: now, out: out}
}

// parseTxWrite checks one item of a TransactWriteItems: exactly one of its
// members, each checked as the single-item operation checks it.
func (s *DB) parseTxWrite(put, update, del, check *txOp) (txWrite, error) {
	var w txWrite
	var op *txOp
	n := 0
	for _, c := range []struct {
		kind string
		op   *txOp
	}{{"Put", put}, {"Update", update}, {"Delete", del}, {"ConditionCheck", check}} {
		if c.op != nil {
			w.kind, op = c.kind, c.op
			n++
		}
	}
	if n != 1 {
		return w, wire.ValidationError("TransactItems can only contain one of Check, Put, Update or Delete")
	}
	var v validator
	v.tableName("tableName", op.TableName, true)
	v.enum("returnValuesOnConditionCheckFailure", op.ReturnValuesOnConditionCheckFailure, "ALL_OLD", "NONE")
	if w.kind == "Put" {
		v.notNull("item", op.Item == nil)
	} else {
		v.notNull("key", op.Key == nil)
	}
	if w.kind == "Update" {
		v.notNull("updateExpression", op.UpdateExpression == nil)
	}
	if w.kind == "ConditionCheck" {
		v.notNull("conditionExpression", op.ConditionExpression == nil)
	}
	if err := v.err(); err != nil {
		return w, err
	}
	w.allOld = returnOld(op.ReturnValuesOnConditionCheckFailure)
	var more func(*expr.Context) error
	if op.UpdateExpression != nil && w.kind == "Update" {
		more = func(c *expr.Context) error {
			var err error
			w.upd, err = c.ParseUpdate(*op.UpdateExpression)
			return err
		}
	}
	var err error
	if w.cond, err = conditionOf(op.ConditionExpression, nil, nil, op.ExpressionAttributeNames, op.ExpressionAttributeValues, more); err != nil {
		return w, err
	}
	if w.t, err = s.lookup(*op.TableName, "Requested resource not found"); err != nil {
		return w, err
	}
	if w.kind == "Put" {
		if w.item, err = wire.DecodeItem(op.Item); err != nil {
			return w, err
		}
		if wire.ItemSize(w.item) > throttle.MaxItemSize {
			return w, wire.ValidationError("Item size has exceeded the maximum allowed size")
		}
		w.key, err = w.t.KeyOfItem(w.item)
		return w, err
	}
	if w.keyAttrs, err = wire.DecodeItem(op.Key); err != nil {
		return w, err
	}
	if w.key, err = w.t.KeyOfKey(w.keyAttrs); err != nil {
		return w, err
	}
	if w.upd != nil {
		for _, path := range w.upd.Paths() {
			if _, isKey := w.keyAttrs[path]; isKey {
				return w, wire.ValidationError("One or more parameter values were invalid: Cannot update attribute " + path + ". This attribute is part of the key")
			}
		}
	}
	return w, nil
}

// distinctItems refuses a transaction naming one item twice.
func distinctItems(n int, item func(int) (*Table, Key)) error {
	type id struct {
		t *Table
		k Key
	}
	seen := make(map[id]bool, n)
	for i := range n {
		t, k := item(i)
		if seen[id{t, k}] {
			return wire.ValidationError("Transaction request cannot include multiple operations on one item")
		}
		seen[id{t, k}] = true
	}
	return nil
}

// lockTables locks the distinct tables of a transaction in name order, so
// that two transactions never wait for each other, and returns the unlock.
// It fails when one was deleted.
func lockTables(ts []*Table) (func(), error) {
	uniq := slices.Clone(ts)
	slices.SortFunc(uniq, func(a, b *Table) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	uniq = slices.Compact(uniq)
	for _, t := range uniq {
		t.Mu.Lock()
	}
	unlock := func() {
		for _, t := range uniq {
			t.Mu.Unlock()
		}
	}
	for _, t := range uniq {
		if t.Deleted {
			unlock()
			return nil, wire.ResourceNotFoundError("Requested resource not found")
		}
	}
	return unlock, nil
}

// runTransactWrite applies ops all or nothing under their tables' locks.
func (s *DB) runTransactWrite(ops []txWrite, mode *string) (any, error) {
	tables := make([]*Table, len(ops))
	for i := range ops {
		tables[i] = ops[i].t
	}
	unlock, err := lockTables(tables)
	if err != nil {
		return nil, err
	}
	defer unlock()
	now := s.now()
	type planned struct {
		old     storedItem
		existed bool
		item    map[string]wire.Value // after; nil deletes; unchanged for a check
		size    int
		cost    throttle.MilliUnits
	}
	plan := make([]planned, len(ops))
	reasons := make([]wire.CancellationReason, len(ops))
	failed := false
	for i, w := range ops {
		p := &plan[i]
		p.old, p.existed = w.t.items.get(w.key)
		reasons[i].Code = "None"
		if w.t.holds.Held(now, w.key) {
			reasons[i] = wire.ConflictReason()
			failed = true
			continue
		}
		if w.cond != nil && !w.cond.Eval(p.old.attrs) {
			reasons[i] = wire.CancellationReason{Code: "ConditionalCheckFailed", Message: wire.ConditionalCheckText}
			if w.allOld && p.existed {
				reasons[i].Item = p.old.attrs
			}
			failed = true
			continue
		}
		switch w.kind {
		case "Put":
			p.item, p.size = w.item, wire.ItemSize(w.item)
		case "Update":
			var base map[string]wire.Value
			if p.existed {
				base = p.old.attrs
			}
			item, _, err := w.upd.Apply(base, w.keyAttrs)
			if err != nil {
				return nil, err
			}
			if p.size = wire.ItemSize(item); p.size > throttle.MaxItemSize {
				return nil, wire.ValidationError("Item size to update has exceeded the maximum allowed size")
			}
			p.item = item
		case "ConditionCheck":
			p.item, p.size = p.old.attrs, p.old.size
		}
		if w.kind != "ConditionCheck" {
			if err := w.t.checkWrite(w.key, p.old.attrs, p.old.size, p.item, p.size, s.collLimit); err != nil {
				return nil, err
			}
		}
		// A plain write's units (doubled below with its index writes):
		// the larger item, a delete the deleted item, a check the item
		// checked.
		p.cost = throttle.WriteCost(max(p.size, p.old.size))
		if w.kind == "Delete" || w.kind == "ConditionCheck" {
			p.cost = throttle.WriteCost(p.old.size)
		}
	}
	if failed {
		return nil, wire.TransactionCanceled(reasons)
	}
	var charges []throttle.Charge
	var owners []*Index
	var opOf []int // the op of each charge
	for i, w := range ops {
		p := &plan[i]
		n := len(charges)
		after := p.item
		if w.kind == "ConditionCheck" {
			after = p.old.attrs // a check writes no index
		}
		charges, owners = w.t.appendWriteCharges(charges, owners, w.key, p.cost, p.old.attrs, p.old.size, after, p.size)
		for j := n; j < len(charges); j++ {
			charges[j].N = throttle.TransactWriteCost(charges[j].N)
			opOf = append(opOf, i)
		}
	}
	d, at := throttle.ChargeAll(now, charges)
	if !d.Admitted {
		// One throttle event, the item refused (its table's charge, as a
		// plain write its index refused): see TableStats.
		first := at
		for owners[first] != nil {
			first--
		}
		ops[opOf[at]].t.record(throttle.Write, d, charges[first].N)
		arn := ops[opOf[at]].t.ARN
		if owners[at] != nil {
			arn = owners[at].ARN
		}
		reasons[opOf[at]] = wire.CancellationReason{Code: "ThrottlingError", Message: wire.ThrottleError(d, arn).Msg}
		return nil, wire.TransactionCanceled(reasons)
	}
	for j, c := range charges {
		if owners[j] == nil {
			ops[opOf[j]].t.record(throttle.Write, d, c.N)
		}
	}
	holdTxItems(now, s.model.HoldFor(), len(ops), func(i int) (*Table, Key) { return ops[i].t, ops[i].key })
	for i, w := range ops {
		p := &plan[i]
		switch {
		case w.kind == "ConditionCheck":
		case p.item == nil:
			w.t.remove(w.key)
		default:
			w.t.put(w.key, p.item, p.size, p.old, p.existed)
		}
	}
	return struct {
		ConsumedCapacity []*consumedCapacity `json:",omitempty"`
	}{txConsumed(mode, charges, owners, func(j int) *Table { return ops[opOf[j]].t })}, nil
}

// txConsumed is a transaction's ConsumedCapacity: one entry per table, in
// the order first named, with its global indexes' share under INDEXES.
func txConsumed(mode *string, charges []throttle.Charge, owners []*Index, tableOf func(int) *Table) []*consumedCapacity {
	if mode == nil || *mode == "NONE" {
		return nil
	}
	var out []*consumedCapacity
	byTable := map[*Table]*consumedCapacity{}
	for j, c := range charges {
		t := tableOf(j)
		cc := byTable[t]
		if cc == nil {
			cc = &consumedCapacity{TableName: t.Name}
			if *mode == "INDEXES" {
				cc.Table = &capacityUnits{}
			}
			byTable[t] = cc
			out = append(out, cc)
		}
		cc.CapacityUnits += c.N.Units()
		switch {
		case cc.Table == nil:
		case owners[j] == nil:
			cc.Table.CapacityUnits += c.N.Units()
		default:
			if cc.GlobalSecondaryIndexes == nil {
				cc.GlobalSecondaryIndexes = map[string]capacityUnits{}
			}
			u := cc.GlobalSecondaryIndexes[owners[j].Name]
			u.CapacityUnits += c.N.Units()
			cc.GlobalSecondaryIndexes[owners[j].Name] = u
		}
	}
	return out
}

// holdTxItems marks the n items of an admitted TransactWriteItems (item i
// is on table t under key k) as held from now for d, table by table, under
// the tables' locks.
func holdTxItems(now time.Time, d time.Duration, n int, item func(int) (*Table, Key)) {
	if d <= 0 {
		return
	}
	byTable := make(map[*Table][]Key, 1)
	for i := range n {
		t, k := item(i)
		byTable[t] = append(byTable[t], k)
	}
	for t, keys := range byTable {
		t.holds.Hold(now, d, keys)
	}
}

// TransactGetItems

type transactGetInput struct {
	TransactItems []struct {
		Get *txOp
	}
	ReturnConsumedCapacity *string
}

func (s *DB) transactGetItems(body []byte) (any, error) {
	var in transactGetInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validator
	v.transactItems(len(in.TransactItems), in.TransactItems == nil)
	v.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, returnConsumedCapacityValues...)
	if err := v.err(); err != nil {
		return nil, err
	}
	type get struct {
		t     *Table
		key   Key
		attrs []string
	}
	gets := make([]get, len(in.TransactItems))
	for i, it := range in.TransactItems {
		g := it.Get
		if g == nil {
			return nil, wire.ValidationError("TransactItems can only contain Get")
		}
		var v validator
		v.tableName("tableName", g.TableName, true)
		v.notNull("key", g.Key == nil)
		if err := v.err(); err != nil {
			return nil, err
		}
		attrs, err := projection(nil, g.ProjectionExpression, g.ExpressionAttributeNames)
		if err != nil {
			return nil, err
		}
		keyAttrs, err := wire.DecodeItem(g.Key)
		if err != nil {
			return nil, err
		}
		t, err := s.lookup(*g.TableName, "Requested resource not found")
		if err != nil {
			return nil, err
		}
		key, err := t.KeyOfKey(keyAttrs)
		if err != nil {
			return nil, err
		}
		gets[i] = get{t, key, attrs}
	}
	if err := distinctItems(len(gets), func(i int) (*Table, Key) { return gets[i].t, gets[i].key }); err != nil {
		return nil, err
	}
	tables := make([]*Table, len(gets))
	for i := range gets {
		tables[i] = gets[i].t
	}
	unlock, err := lockTables(tables)
	if err != nil {
		return nil, err
	}
	defer unlock()
	now := s.now()
	reasons := make([]wire.CancellationReason, len(gets))
	conflict := false
	for i, g := range gets {
		reasons[i].Code = "None"
		if g.t.holds.Held(now, g.key) {
			reasons[i], conflict = wire.ConflictReason(), true
		}
	}
	if conflict {
		return nil, wire.TransactionCanceled(reasons)
	}
	charges := make([]throttle.Charge, len(gets))
	items := make([]storedItem, len(gets))
	for i, g := range gets {
		items[i], _ = g.t.items.get(g.key)
		charges[i] = throttle.Charge{Capacity: g.t.Capacity, Kind: throttle.Read, Key: g.key.Hash, N: throttle.TransactReadCost(items[i].size)}
	}
	d, at := throttle.ChargeAll(now, charges)
	if !d.Admitted {
		// One throttle event, the get refused: see TableStats.
		gets[at].t.record(throttle.Read, d, charges[at].N)
		reasons[at] = wire.CancellationReason{Code: "ThrottlingError", Message: wire.ThrottleError(d, gets[at].t.ARN).Msg}
		return nil, wire.TransactionCanceled(reasons)
	}
	for i, c := range charges {
		gets[i].t.record(throttle.Read, d, c.N)
	}
	type response struct {
		Item map[string]wire.Value `json:",omitempty"`
	}
	out := struct {
		Responses        []response
		ConsumedCapacity []*consumedCapacity `json:",omitempty"`
	}{Responses: make([]response, len(gets))}
	for i, g := range gets {
		if items[i].attrs != nil {
			out.Responses[i].Item = project(items[i].attrs, g.attrs)
		}
	}
	out.ConsumedCapacity = txConsumed(in.ReturnConsumedCapacity, charges, make([]*Index, len(charges)), func(j int) *Table { return gets[j].t })
	return out, nil
}

// transactItems checks a transaction's TransactItems: present, with 1 to
// MaxTransactItems members (n of them; absent when missing).
func (v *validator) transactItems(n int, missing bool) {
	v.notNull("transactItems", missing)
	if !missing && (n < 1 || n > MaxTransactItems) {
		c := "Member must have length less than or equal to 100"
		if n < 1 {
			c = "Member must have length greater than or equal to 1"
		}
		v.add(fmt.Sprintf("'%d elements'", n), "transactItems", c)
	}
}
