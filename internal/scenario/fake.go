package scenario

import (
	"errors"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/faults"
	"github.com/throttlebench/throttlebench/fakeservice/store"
	"github.com/throttlebench/throttlebench/fakeservice/throttle"
)

// Fake configures the embedded fake's throttling model. It is ignored with
// -endpoint or -aws. Zero fields keep fakeservice's defaults (see its
// package documentation).
type Fake struct {
	// Burst is the burst credit a provisioned table keeps, as time at its
	// provisioned rate: default 300s; 0s keeps none (a bucket then holds
	// one second of capacity).
	Burst *Duration `yaml:"burst" json:"burst,omitempty"`
	// InitialBurst is the credit a new table starts with; default 0s.
	InitialBurst Duration `yaml:"initial_burst" json:"initial_burst,omitempty"`
	// PartitionReadUnits and PartitionWriteUnits are the most one
	// partition (and one key) serves per second; defaults 3000 and 1000.
	// Lower them to reach partition and hot-key limits at small scale.
	PartitionReadUnits  int64 `yaml:"partition_read_units" json:"partition_read_units,omitempty"`
	PartitionWriteUnits int64 `yaml:"partition_write_units" json:"partition_write_units,omitempty"`
	// AdaptiveCapacity lets a hot partition borrow unused table capacity;
	// default true.
	AdaptiveCapacity *bool `yaml:"adaptive_capacity" json:"adaptive_capacity,omitempty"`
	// OnDemandReadUnits and OnDemandWriteUnits are what a new on-demand
	// table serves at once; defaults 12000 and 4000.
	OnDemandReadUnits  int64 `yaml:"on_demand_read_units" json:"on_demand_read_units,omitempty"`
	OnDemandWriteUnits int64 `yaml:"on_demand_write_units" json:"on_demand_write_units,omitempty"`
	// OnDemandPeakWindow is how long an on-demand table remembers its
	// peak; default 30m.
	OnDemandPeakWindow Duration `yaml:"on_demand_peak_window" json:"on_demand_peak_window,omitempty"`
	// AccountReadUnits and AccountWriteUnits limit throughput per second
	// across the account's provisioned tables; default 80000.
	AccountReadUnits  int64 `yaml:"account_read_units" json:"account_read_units,omitempty"`
	AccountWriteUnits int64 `yaml:"account_write_units" json:"account_write_units,omitempty"`
	// TransactionHold is how long an admitted TransactWriteItems holds its
	// items, so that other requests on them conflict; default 10ms; 0s
	// holds nothing (no conflicts).
	TransactionHold *Duration `yaml:"transaction_hold" json:"transaction_hold,omitempty"`
	// Store is what the fake keeps of each written item: sizes (the
	// default) keeps its key and billed size, so a long run on a large key
	// space stays within tens of MiB, and reads return the key attributes
	// only, charged the stored size; full keeps every attribute (for
	// conditions, filters or updates on attributes other than the key);
	// none keeps nothing (every read misses). Throttling is the same in
	// every mode. See docs/scenarios.md for what each mode answers.
	Store string `yaml:"store" json:"store,omitempty"`
	// StoreLimit caps the items kept with store: full, in bytes of billed
	// item size (default 256MB): past it, new items are kept as sizes, and
	// the run says so (run.json's server.store_limited, and a warning).
	StoreLimit Size `yaml:"store_limit" json:"store_limit,omitempty"`
}

// Defaults of Fake's store settings.
const (
	DefaultStore      = store.KeepSizes
	DefaultStoreLimit = Size(256 << 20)
)

// Keep returns what the fake keeps of an item and the limit on what it
// keeps in full, defaults applied; a nil Fake has the defaults.
func (f *Fake) Keep() (store.Keep, int64) {
	keep, limit := DefaultStore, DefaultStoreLimit
	if f != nil && f.Store != "" {
		keep, _ = store.ParseKeep(f.Store) // validated
	}
	if f != nil && f.StoreLimit != 0 {
		limit = f.StoreLimit
	}
	return keep, int64(limit)
}

// Model returns the fakeservice model these settings describe; a nil Fake
// is the default model.
func (f *Fake) Model() throttle.Model {
	var m throttle.Model
	if f == nil {
		return m
	}
	if f.Burst != nil {
		m.Burst = time.Duration(*f.Burst)
		if m.Burst == 0 {
			m.Burst = -1 // none
		}
	}
	m.InitialBurstCredit = time.Duration(f.InitialBurst)
	m.PartitionReadUnits, m.PartitionWriteUnits = f.PartitionReadUnits, f.PartitionWriteUnits
	m.NoAdaptiveCapacity = f.AdaptiveCapacity != nil && !*f.AdaptiveCapacity
	m.OnDemandReadUnits, m.OnDemandWriteUnits = f.OnDemandReadUnits, f.OnDemandWriteUnits
	m.OnDemandPeakWindow = time.Duration(f.OnDemandPeakWindow)
	m.AccountReadUnits, m.AccountWriteUnits = f.AccountReadUnits, f.AccountWriteUnits
	if f.TransactionHold != nil {
		m.TransactionHold = time.Duration(*f.TransactionHold)
		if m.TransactionHold == 0 {
			m.TransactionHold = -1 // none
		}
	}
	return m
}

func (f *Fake) validate(bad func(field, format string, args ...any) error) error {
	if f == nil {
		return nil
	}
	switch {
	case f.Burst != nil && *f.Burst < 0:
		return bad("fake.burst", "must be >= 0, got %s", time.Duration(*f.Burst))
	case f.InitialBurst < 0:
		return bad("fake.initial_burst", "must be >= 0, got %s", time.Duration(f.InitialBurst))
	case f.PartitionReadUnits < 0 || f.PartitionWriteUnits < 0:
		return bad("fake", "partition units must be >= 0")
	case f.OnDemandReadUnits < 0 || f.OnDemandWriteUnits < 0:
		return bad("fake", "on-demand units must be >= 0")
	case f.OnDemandPeakWindow < 0:
		return bad("fake.on_demand_peak_window", "must be >= 0, got %s", time.Duration(f.OnDemandPeakWindow))
	case f.AccountReadUnits < 0 || f.AccountWriteUnits < 0:
		return bad("fake", "account units must be >= 0")
	case f.TransactionHold != nil && *f.TransactionHold < 0:
		return bad("fake.transaction_hold", "must be >= 0, got %s", time.Duration(*f.TransactionHold))
	case f.StoreLimit < 0:
		return bad("fake.store_limit", "must be >= 0, got %d", int64(f.StoreLimit))
	}
	if f.Store != "" {
		if _, err := store.ParseKeep(f.Store); err != nil {
			return bad("fake.store", "%v", err)
		}
	}
	return nil
}

// validateFaults checks the fault schedule and locates its errors.
func (sc *Scenario) validateFaults() error {
	if sc.Faults == nil {
		return nil
	}
	err := sc.Faults.Validate()
	var fe *faults.Error
	if errors.As(err, &fe) {
		return sc.Errorf("faults."+fe.Field, "%s", fe.Msg)
	}
	return err
}
