package store

import (
	"encoding/json"
	"fmt"

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
	// Accepted and ignored: nothing in the model depends on them.
	AttributeDefinitions      json.RawMessage
	DeletionProtectionEnabled *bool
	TableClass                *string
	// Not modelled, refused.
	GlobalSecondaryIndexUpdates json.RawMessage
	WarmThroughput              json.RawMessage
	ReplicaUpdates              json.RawMessage
	StreamSpecification         json.RawMessage
	SSESpecification            json.RawMessage
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
	if err := v.err(); err != nil {
		return nil, err
	}
	for _, m := range []struct {
		name string
		raw  json.RawMessage
	}{
		{"GlobalSecondaryIndexUpdates", in.GlobalSecondaryIndexUpdates},
		{"WarmThroughput", in.WarmThroughput},
		{"ReplicaUpdates", in.ReplicaUpdates},
		{"StreamSpecification", in.StreamSpecification},
		{"SSESpecification", in.SSESpecification},
	} {
		if Present(m.raw) {
			return nil, wire.ValidationError("fakeservice does not support " + m.name + " (not modelled)")
		}
	}
	if in.BillingMode == nil && in.ProvisionedThroughput == nil && in.OnDemandThroughput == nil &&
		in.DeletionProtectionEnabled == nil && in.TableClass == nil {
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
		}
		t.ReadUnits, t.WriteUnits = 0, 0
	}
	t.Billing = billing
	t.maxRead, t.maxWrite = maxRead, maxWrite
	return struct{ TableDescription *tableDescription }{t.description("UPDATING")}, nil
}
