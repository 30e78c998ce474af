package store

import (
	"encoding/json"

	"github.com/throttlebench/throttlebench/fakeservice/expr"
	"github.com/throttlebench/throttlebench/fakeservice/throttle"
	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// This file is the single-item writes that read the item first: the
// conditional write path shared by PutItem, UpdateItem and DeleteItem.

// conditionOf parses a write's ConditionExpression (nil when absent) and,
// through more, its other expressions, with one ExpressionAttributeNames
// and Values context so that unused names and values are refused.
func conditionOf(condition *string, expected json.RawMessage, condOp *string, names map[string]string,
	values map[string]json.RawMessage, more func(*expr.Context) error) (*expr.Condition, error) {
	if Present(expected) || condOp != nil {
		return nil, wire.ValidationError("fakeservice does not support the legacy Expected and ConditionalOperator parameters; use ConditionExpression")
	}
	if condition == nil && more == nil && names == nil && values == nil {
		return nil, nil // the common unconditional write: nothing to allocate
	}
	ctx, err := expr.NewContext(names, values, condition != nil || more != nil)
	if err != nil {
		return nil, err
	}
	return conditionIn(ctx, condition, more)
}

// conditionIn parses a write's ConditionExpression (nil when absent) and,
// through more, its other expressions in ctx, and refuses unused names and
// values.
func conditionIn(ctx *expr.Context, condition *string, more func(*expr.Context) error) (*expr.Condition, error) {
	if more != nil {
		if err := more(ctx); err != nil {
			return nil, err
		}
	}
	var c *expr.Condition
	if condition != nil {
		var err error
		if c, err = ctx.ParseCondition("ConditionExpression", *condition); err != nil {
			return nil, err
		}
	}
	if err := ctx.CheckUnused(); err != nil {
		return nil, err
	}
	return c, nil
}

// returnOld reports whether ReturnValuesOnConditionCheckFailure is ALL_OLD.
func returnOld(mode *string) bool { return mode != nil && *mode == "ALL_OLD" }

// writeResult is what a single-item write did.
type writeResult struct {
	old     storedItem
	existed bool
	item    map[string]wire.Value // the new item; nil after a delete
	named   []string              // attributes an UpdateExpression named
	cost    throttle.MilliUnits   // the table's own
	// charge is what the write consumed, the indexes' writes included.
	charge writeCharge
}

// builder returns the item a write leaves (nil to delete it), its size and,
// for UpdateItem, the attributes the update named. It runs under the
// table's lock, only when the condition holds.
type builder func(old storedItem, existed bool) (item map[string]wire.Value, size int, named []string, err error)

// write performs one conditional single-item write on key under the
// table's lock. The charge is DynamoDB's: the larger of the old and the new
// item, or for a delete the deleted item (1 unit if none); a write whose
// condition fails still costs the size of the existing item (1 unit if
// none) and then fails with ConditionalCheckFailedException. A throttled
// write, or one on an item a transaction in flight holds
// (TransactionConflictException), changes nothing and costs nothing.
//
// readsOld says whether build or the caller (with the result's old) reads
// the old item's attributes. When neither does, nor anything in write (no
// condition, no ReturnValuesOnConditionCheckFailure, no index), an old
// item kept as its key and size is left without attributes (the result's
// old.attrs nil) instead of being given its key attributes (Table.get),
// a map built to be thrown away.
//
// When build returns unbuiltItem (a PutItem whose Item was scanned, on a
// table without indexes, which charges and checks a write by its size
// alone: chargeWrite, checkWrite), the item is built by late only once the
// write is admitted and its condition held, and only if the table keeps
// items (keepMode): a throttled write builds nothing. late is nil for a
// builder that never returns unbuiltItem.
func (s *DB) write(t *Table, key Key, c *expr.Condition, returnOldOnFailure, readsOld bool, build builder, late func() map[string]wire.Value) (writeResult, error) {
	t.Mu.Lock()
	defer t.Mu.Unlock()
	if t.Deleted {
		return writeResult{}, wire.ResourceNotFoundError("Requested resource not found")
	}
	now := s.now()
	if t.holds.Held(now, key) {
		return writeResult{}, wire.TransactionConflict()
	}
	var old storedItem
	var existed bool
	if readsOld || c != nil || returnOldOnFailure || len(t.indexes) > 0 {
		old, existed = t.get(key)
	} else {
		old, existed = t.items.get(key)
	}
	ok := c == nil || c.Eval(old.attrs)
	r := writeResult{old: old, existed: existed, cost: throttle.WriteCost(old.size)}
	size := 0
	if ok {
		var err error
		if r.item, size, r.named, err = build(old, existed); err != nil {
			return writeResult{}, err
		}
		if r.item != nil {
			r.cost = throttle.WriteCost(max(size, old.size))
			if err := t.checkWrite(key, old.attrs, old.size, r.item, size, s.collLimit); err != nil {
				return writeResult{}, err
			}
		}
	}
	// A failed condition changes no index: only the table is charged.
	newItem, oldItem := r.item, old.attrs
	if !ok {
		newItem, size = old.attrs, old.size
	}
	r.charge = t.chargeWrite(now, key, r.cost, oldItem, old.size, newItem, size)
	if !r.charge.d.Admitted {
		s.noteThrottle(now)
		return writeResult{}, wire.ThrottleError(r.charge.d, r.charge.arn)
	}
	if !ok {
		var item map[string]wire.Value
		if returnOldOnFailure && existed {
			item = old.attrs
		}
		return writeResult{}, wire.ConditionalCheckFailed(item)
	}
	if r.item == nil {
		t.remove(key)
	} else {
		if late != nil && len(r.item) == 0 && t.keepMode() == KeepFull { // unbuiltItem: no item has no key
			r.item = late()
		}
		t.put(key, r.item, size, old, existed)
	}
	return r, nil
}

// DeleteItem

type deleteItemInput struct {
	TableName                           *string
	Key                                 map[string]json.RawMessage
	ReturnConsumedCapacity              *string
	ReturnValues                        *string
	ReturnItemCollectionMetrics         *string
	ReturnValuesOnConditionCheckFailure *string
	ConditionExpression                 *string
	ConditionalOperator                 *string
	Expected                            json.RawMessage
	ExpressionAttributeNames            map[string]string
	ExpressionAttributeValues           map[string]json.RawMessage
}

func (s *DB) deleteItem(body []byte) (any, error) {
	var in deleteItemInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validator
	v.tableName("tableName", in.TableName, true)
	v.notNull("key", in.Key == nil)
	v.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, returnConsumedCapacityValues...)
	v.enum("returnValues", in.ReturnValues, "NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW")
	v.enum("returnItemCollectionMetrics", in.ReturnItemCollectionMetrics, "SIZE", "NONE")
	v.enum("returnValuesOnConditionCheckFailure", in.ReturnValuesOnConditionCheckFailure, "ALL_OLD", "NONE")
	if err := v.err(); err != nil {
		return nil, err
	}
	if in.ReturnValues != nil && *in.ReturnValues != "NONE" && *in.ReturnValues != "ALL_OLD" {
		return nil, wire.ValidationError("ReturnValues can only be ALL_OLD or NONE")
	}
	cond, err := conditionOf(in.ConditionExpression, in.Expected, in.ConditionalOperator, in.ExpressionAttributeNames, in.ExpressionAttributeValues, nil)
	if err != nil {
		return nil, err
	}
	keyAttrs, err := wire.DecodeItem(in.Key)
	if err != nil {
		return nil, err
	}
	t, err := s.lookup(*in.TableName, "Requested resource not found")
	if err != nil {
		return nil, err
	}
	key, err := t.KeyOfKey(keyAttrs)
	if err != nil {
		return nil, err
	}
	allOld := in.ReturnValues != nil && *in.ReturnValues == "ALL_OLD"
	w, err := s.write(t, key, cond, returnOld(in.ReturnValuesOnConditionCheckFailure), allOld, func(storedItem, bool) (map[string]wire.Value, int, []string, error) {
		return nil, 0, nil, nil
	}, nil)
	if err != nil {
		return nil, err
	}
	out := writeOutput{ConsumedCapacity: w.charge.consumed(in.ReturnConsumedCapacity, t.Name)}
	if w.existed && allOld {
		out.Attributes = w.old.attrs
	}
	return out, nil
}

// UpdateItem

type updateItemInput struct {
	TableName                           *string
	Key                                 map[string]json.RawMessage
	UpdateExpression                    *string
	AttributeUpdates                    json.RawMessage
	ReturnConsumedCapacity              *string
	ReturnValues                        *string
	ReturnItemCollectionMetrics         *string
	ReturnValuesOnConditionCheckFailure *string
	ConditionExpression                 *string
	ConditionalOperator                 *string
	Expected                            json.RawMessage
	ExpressionAttributeNames            map[string]string
	ExpressionAttributeValues           map[string]json.RawMessage

	// key and values are Key and ExpressionAttributeValues already
	// decoded, by parseUpdateItem (fastpath.go), which sets fast; with
	// fast unset they are to be decoded by wire.DecodeItem.
	key, values map[string]wire.Value
	fast        bool
}

func (s *DB) updateItem(body []byte) (any, error) {
	var in updateItemInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	return s.updateItemDecoded(&in)
}

// updateItemDecoded runs an UpdateItem request decoded by updateItem or
// parseUpdateItem.
func (s *DB) updateItemDecoded(in *updateItemInput) (any, error) {
	var v validator
	v.tableName("tableName", in.TableName, true)
	v.notNull("key", in.Key == nil && in.key == nil)
	v.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, returnConsumedCapacityValues...)
	v.enum("returnValues", in.ReturnValues, "NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW")
	v.enum("returnItemCollectionMetrics", in.ReturnItemCollectionMetrics, "SIZE", "NONE")
	v.enum("returnValuesOnConditionCheckFailure", in.ReturnValuesOnConditionCheckFailure, "ALL_OLD", "NONE")
	if err := v.err(); err != nil {
		return nil, err
	}
	if Present(in.AttributeUpdates) {
		return nil, wire.ValidationError("fakeservice does not support the legacy AttributeUpdates parameter; use UpdateExpression")
	}
	var upd *expr.Update
	var more func(*expr.Context) error
	if in.UpdateExpression != nil {
		more = func(c *expr.Context) error {
			var err error
			upd, err = c.ParseUpdate(*in.UpdateExpression)
			return err
		}
	}
	var cond *expr.Condition
	var err error
	keyAttrs := in.key
	if in.fast {
		// The fast lane takes no names and no legacy parameters, and
		// always an UpdateExpression (so ExpressionAttributeValues may be
		// given): conditionOf's checks come down to these.
		var ctx *expr.Context
		if ctx, err = expr.NewContextDecoded(nil, in.values, true); err != nil {
			return nil, err
		}
		if cond, err = conditionIn(ctx, in.ConditionExpression, more); err != nil {
			return nil, err
		}
	} else {
		if cond, err = conditionOf(in.ConditionExpression, in.Expected, in.ConditionalOperator, in.ExpressionAttributeNames, in.ExpressionAttributeValues, more); err != nil {
			return nil, err
		}
		if keyAttrs, err = wire.DecodeItem(in.Key); err != nil {
			return nil, err
		}
	}
	t, err := s.lookup(*in.TableName, "Requested resource not found")
	if err != nil {
		return nil, err
	}
	key, err := t.KeyOfKey(keyAttrs)
	if err != nil {
		return nil, err
	}
	if upd != nil {
		for _, path := range upd.Paths() {
			if _, isKey := keyAttrs[path]; isKey {
				return nil, wire.ValidationError("One or more parameter values were invalid: Cannot update attribute " + path + ". This attribute is part of the key")
			}
		}
	}
	w, err := s.write(t, key, cond, returnOld(in.ReturnValuesOnConditionCheckFailure), true, func(old storedItem, existed bool) (map[string]wire.Value, int, []string, error) {
		if upd == nil {
			if existed {
				return old.attrs, old.size, nil, nil
			}
			return keyAttrs, wire.ItemSize(keyAttrs), nil, nil
		}
		var base map[string]wire.Value
		if existed {
			base = old.attrs
		}
		item, named, err := upd.Apply(base, keyAttrs)
		if err != nil {
			return nil, 0, nil, err
		}
		size := wire.ItemSize(item)
		if size > throttle.MaxItemSize {
			return nil, 0, nil, wire.ValidationError("Item size to update has exceeded the maximum allowed size")
		}
		return item, size, named, nil
	}, nil)
	if err != nil {
		return nil, err
	}
	out := writeOutput{ConsumedCapacity: w.charge.consumed(in.ReturnConsumedCapacity, t.Name)}
	mode := "NONE"
	if in.ReturnValues != nil {
		mode = *in.ReturnValues
	}
	switch mode {
	case "ALL_OLD":
		if w.existed {
			out.Attributes = w.old.attrs
		}
	case "ALL_NEW":
		out.Attributes = w.item
	case "UPDATED_OLD":
		out.Attributes = pick(w.old.attrs, w.named)
	case "UPDATED_NEW":
		out.Attributes = pick(w.item, w.named)
	}
	return out, nil
}

// pick returns the attributes of item named in names, nil when none is there.
func pick(item map[string]wire.Value, names []string) map[string]wire.Value {
	var out map[string]wire.Value
	for _, n := range names {
		if v, ok := item[n]; ok {
			if out == nil {
				out = make(map[string]wire.Value)
			}
			out[n] = v
		}
	}
	return out
}
