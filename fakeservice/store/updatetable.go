package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// UpdateTable

type updateTableInput struct {
	TableName             *string
	BillingMode           *string
	ProvisionedThroughput *struct {
		ReadCapacityUnits, WriteCapacityUnits *int64
	}
	OnDemandThroughput *onDemandThroughputInput
	// AttributeDefinitions types the key of an index created here.
	AttributeDefinitions        []struct{ AttributeName, AttributeType *string }
	GlobalSecondaryIndexUpdates []globalIndexUpdate
	WarmThroughput              *warmInput
	// Accepted and ignored: nothing in the model depends on them.
	DeletionProtectionEnabled *bool
	TableClass                *string
	// Not modelled, refused.
	ReplicaUpdates      json.RawMessage
	StreamSpecification json.RawMessage
	SSESpecification    json.RawMessage
}

// UpdateTable changes a table's billing mode, provisioned throughput or
// OnDemandThroughput. Changes take effect at once (the table answers
// UPDATING and is ACTIVE for the next request): the capacity state is
// re-rated at now (see TableCapacity.SetProvisioned and SetOnDemand).
func (s *DB) UpdateTable(body []byte) (any, error) {
	var in updateTableInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validator
	v.tableName("tableName", in.TableName, true)
	if pt := in.ProvisionedThroughput; pt != nil {
		v.units("provisionedThroughput.readCapacityUnits", pt.ReadCapacityUnits)
		v.units("provisionedThroughput.writeCapacityUnits", pt.WriteCapacityUnits)
	}
	v.enum("billingMode", in.BillingMode, BillingProvisioned, BillingPayPerRequest)
	if od := in.OnDemandThroughput; od != nil {
		v.onDemandMax("onDemandThroughput.maxReadRequestUnits", od.MaxReadRequestUnits)
		v.onDemandMax("onDemandThroughput.maxWriteRequestUnits", od.MaxWriteRequestUnits)
	}
	for i := range in.GlobalSecondaryIndexUpdates {
		in.GlobalSecondaryIndexUpdates[i].validate(&v, fmt.Sprintf("globalSecondaryIndexUpdates.%d.member", i+1))
	}
	in.WarmThroughput.validate(&v, "warmThroughput")
	if err := v.err(); err != nil {
		return nil, err
	}
	for _, m := range []struct {
		name string
		raw  json.RawMessage
	}{
		{"ReplicaUpdates", in.ReplicaUpdates},
		{"StreamSpecification", in.StreamSpecification},
		{"SSESpecification", in.SSESpecification},
	} {
		if Present(m.raw) {
			return nil, wire.ValidationError("fakeservice does not support " + m.name + " (not modelled)")
		}
	}
	if in.BillingMode == nil && in.ProvisionedThroughput == nil && in.OnDemandThroughput == nil &&
		in.DeletionProtectionEnabled == nil && in.TableClass == nil && len(in.GlobalSecondaryIndexUpdates) == 0 && in.WarmThroughput == nil {
		return nil, wire.ValidationError("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required")
	}
	t, err := s.lookup(*in.TableName, tableNotFoundMessage(*in.TableName))
	if err != nil {
		return nil, err
	}

	t.Mu.Lock()
	defer t.Mu.Unlock()
	if t.Deleted {
		return nil, wire.ResourceNotFoundError(tableNotFoundMessage(t.Name))
	}
	now := s.now()
	// Compare with the capacity in effect: auto scaling may have changed
	// it since the description was last brought up to date.
	t.Rescale(now)
	billing := t.Billing
	if in.BillingMode != nil {
		billing = *in.BillingMode
	}
	pt := in.ProvisionedThroughput
	switch {
	case billing == BillingPayPerRequest && pt != nil:
		return nil, wire.ValidationError("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
	case billing == BillingProvisioned && t.Billing == BillingPayPerRequest && pt == nil:
		return nil, wire.ValidationError("One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED")
	}
	maxRead, maxWrite := in.OnDemandThroughput.resolve(t.maxRead, t.maxWrite)
	// Indexes are checked first and changed last, so that a refused
	// request changes nothing.
	if err := s.updateIndexes(t, &in, billing, now, false); err != nil {
		return nil, err
	}
	if billing == BillingProvisioned {
		if pt != nil {
			r, w := *pt.ReadCapacityUnits, *pt.WriteCapacityUnits
			if limit := s.model.TableQuota(); r > limit || w > limit {
				return nil, wire.LimitExceededError(fmt.Sprintf(
					"Subscriber limit exceeded: Provisioned throughput for a table cannot exceed %d read or write capacity units", limit))
			}
			if t.Billing == BillingProvisioned && r == t.ReadUnits && w == t.WriteUnits {
				return nil, wire.ValidationError(fmt.Sprintf("The provisioned throughput for the table will not change. The requested value equals the current value. "+
					"Current ReadCapacityUnits provisioned for the table: %d. Requested ReadCapacityUnits: %d. "+
					"Current WriteCapacityUnits provisioned for the table: %d. Requested WriteCapacityUnits: %d. "+
					"Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.",
					t.ReadUnits, r, t.WriteUnits, w))
			}
			if t.Billing == BillingProvisioned {
				if r > t.ReadUnits || w > t.WriteUnits {
					t.lastInc = now
				}
				if r < t.ReadUnits || w < t.WriteUnits {
					t.lastDec = now
				}
			}
			t.Capacity.SetProvisioned(r, w, now)
			t.ReadUnits, t.WriteUnits = r, w
		}
	} else {
		t.Capacity.SetOnDemand(maxRead, maxWrite, now)
		if t.Billing == BillingProvisioned {
			t.lastPPR = now
			for _, x := range t.indexes {
				if x.Global {
					x.Capacity.SetOnDemand(x.maxRead, x.maxWrite, now)
					x.ReadUnits, x.WriteUnits = 0, 0
				}
			}
		}
		t.ReadUnits, t.WriteUnits = 0, 0
	}
	// Checked above: applying cannot fail.
	if err := s.updateIndexes(t, &in, billing, now, true); err != nil {
		return nil, err
	}
	in.WarmThroughput.apply(t.Capacity, now)
	t.Billing = billing
	t.maxRead, t.maxWrite = maxRead, maxWrite
	return struct{ TableDescription *tableDescription }{t.description("UPDATING")}, nil
}

// globalIndexUpdate is one member of GlobalSecondaryIndexUpdates: exactly
// one of Update, Create and Delete.
type globalIndexUpdate struct {
	Update *struct {
		IndexName             *string
		ProvisionedThroughput *struct {
			ReadCapacityUnits, WriteCapacityUnits *int64
		}
		OnDemandThroughput *onDemandThroughputInput
		WarmThroughput     *warmInput
	}
	Create *indexInput
	Delete *struct{ IndexName *string }
}

func (u *globalIndexUpdate) validate(v *validator, path string) {
	if u.Update != nil {
		v.tableName(path+".update.indexName", u.Update.IndexName, true)
		if pt := u.Update.ProvisionedThroughput; pt != nil {
			v.units(path+".update.provisionedThroughput.readCapacityUnits", pt.ReadCapacityUnits)
			v.units(path+".update.provisionedThroughput.writeCapacityUnits", pt.WriteCapacityUnits)
		}
		if od := u.Update.OnDemandThroughput; od != nil {
			v.onDemandMax(path+".update.onDemandThroughput.maxReadRequestUnits", od.MaxReadRequestUnits)
			v.onDemandMax(path+".update.onDemandThroughput.maxWriteRequestUnits", od.MaxWriteRequestUnits)
		}
		u.Update.WarmThroughput.validate(v, path+".update.warmThroughput")
	}
	if u.Create != nil {
		u.Create.validate(v, path+".create")
	}
	if u.Delete != nil {
		v.tableName(path+".delete.indexName", u.Delete.IndexName, true)
	}
}

// updateIndexes checks GlobalSecondaryIndexUpdates against t, whose
// billing mode becomes billing, and with apply applies them at now (they
// were checked; t.Billing may already be the new mode): new throughput for an index takes effect
// at once (as the table's does), a created index is ACTIVE and backfilled
// at once, a deleted one is gone. Switching a provisioned table's indexes
// to PAY_PER_REQUEST is the caller's. The caller holds t.Mu.
func (s *DB) updateIndexes(t *Table, in *updateTableInput, billing string, now time.Time, apply bool) error {
	invalid := func(msg string) error {
		return wire.ValidationError("One or more parameter values were invalid: " + msg)
	}
	updated := map[string]bool{}
	for _, u := range in.GlobalSecondaryIndexUpdates {
		n := 0
		for _, set := range []bool{u.Update != nil, u.Create != nil, u.Delete != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			return invalid("One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null")
		}
		switch {
		case u.Update != nil:
			x := t.index(*u.Update.IndexName)
			if x == nil || !x.Global {
				return wire.ResourceNotFoundError("Requested resource not found: Index: " + *u.Update.IndexName + " not found")
			}
			updated[x.Name] = true
			pt := u.Update.ProvisionedThroughput
			switch {
			case billing == BillingPayPerRequest && pt != nil:
				return invalid("ProvisionedThroughput should not be specified for index: " + x.Name + " when BillingMode is PAY_PER_REQUEST")
			case billing == BillingProvisioned && pt == nil && t.Billing == BillingPayPerRequest:
				return invalid("ProvisionedThroughput must be specified for index: " + x.Name)
			}
			if pt != nil {
				r, w := *pt.ReadCapacityUnits, *pt.WriteCapacityUnits
				if limit := s.model.TableQuota(); r > limit || w > limit {
					return wire.LimitExceededError(fmt.Sprintf(
						"Subscriber limit exceeded: Provisioned throughput for a table cannot exceed %d read or write capacity units", limit))
				}
				if apply {
					x.Capacity.SetProvisioned(r, w, now)
					x.ReadUnits, x.WriteUnits = r, w
				}
			}
			if !apply {
				continue
			}
			x.maxRead, x.maxWrite = u.Update.OnDemandThroughput.resolve(x.maxRead, x.maxWrite)
			if billing == BillingPayPerRequest && x.Capacity.OnDemand() {
				x.Capacity.SetOnDemandMax(x.maxRead, x.maxWrite, now)
			}
			u.Update.WarmThroughput.apply(x.Capacity, now)
		case u.Create != nil:
			defs := make(map[string]wire.Type)
			for _, d := range t.attrDefs {
				defs[d.AttributeName] = wire.TypeByName[d.AttributeType]
			}
			for _, d := range in.AttributeDefinitions {
				if d.AttributeName != nil && d.AttributeType != nil {
					defs[*d.AttributeName] = wire.TypeByName[*d.AttributeType]
				}
			}
			x, err := u.Create.build(true, defs, billing, t.hash, t.rng, s.model.TableQuota())
			if err != nil {
				return err
			}
			if t.index(x.Name) != nil {
				return invalid("Duplicate index name: " + x.Name)
			}
			updated[x.Name] = true
			if !apply {
				continue
			}
			x.ARN = IndexARN(t.ARN, x.Name)
			x.provision(s.model, billing, s.acct, now)
			s.scaleIndex(x, now)
			u.Create.WarmThroughput.apply(x.Capacity, now)
			t.setIndexes(append(t.indexes, x))
			updated[x.Name] = true
			for _, d := range in.AttributeDefinitions {
				if d.AttributeName != nil && d.AttributeType != nil && !slices.ContainsFunc(t.attrDefs, func(a attributeDefinition) bool { return a.AttributeName == *d.AttributeName }) {
					t.attrDefs = append(t.attrDefs, attributeDefinition{AttributeName: *d.AttributeName, AttributeType: *d.AttributeType})
				}
			}
		default:
			x := t.index(*u.Delete.IndexName)
			if x == nil || !x.Global {
				return wire.ResourceNotFoundError("Requested resource not found: Index: " + *u.Delete.IndexName + " not found")
			}
			updated[x.Name] = true
			if !apply {
				continue
			}
			t.setIndexes(slices.DeleteFunc(t.indexes, func(y *Index) bool { return y == x }))
		}
	}
	if !apply && billing == BillingProvisioned && t.Billing == BillingPayPerRequest {
		for _, x := range t.indexes {
			if x.Global && !updated[x.Name] {
				return invalid("ProvisionedThroughput must be specified for index: " + x.Name)
			}
		}
	}
	return nil
}
