package fakeservice

import (
	"github.com/throttlebench/throttlebench/fakeservice/faults"
	"github.com/throttlebench/throttlebench/fakeservice/store"
	"github.com/throttlebench/throttlebench/fakeservice/throttle"
)

// The throttling model lives in package throttle; these names keep
// fakeservice's public API (and its users' code) as it was.

type (
	Model         = throttle.Model
	TableCapacity = throttle.TableCapacity
	Account       = throttle.Account
	Bucket        = throttle.Bucket
	Decision      = throttle.Decision
	Kind          = throttle.Kind
	Reason        = throttle.Reason
	Exception     = throttle.Exception
	MilliUnits    = throttle.MilliUnits

	Keep       = store.Keep
	StoreUsage = store.StoreUsage

	AutoScaling   = store.AutoScaling
	Scaling       = store.Scaling
	ScalingPolicy = throttle.ScalingPolicy
)

// What the item store keeps of an item (Options.Keep; see store.Keep).
const (
	KeepFull  = store.KeepFull
	KeepSizes = store.KeepSizes
	KeepNone  = store.KeepNone
)

const (
	Read  = throttle.Read
	Write = throttle.Write
	Unit  = throttle.Unit

	MaxItemSize   = throttle.MaxItemSize
	WriteUnitSize = throttle.WriteUnitSize
	ReadUnitSize  = throttle.ReadUnitSize

	DefaultBurst               = throttle.DefaultBurst
	DefaultInitial             = throttle.DefaultInitial
	DefaultMaxTableUnits       = throttle.DefaultMaxTableUnits
	DefaultPartitionReadUnits  = throttle.DefaultPartitionReadUnits
	DefaultPartitionWriteUnits = throttle.DefaultPartitionWriteUnits
	DefaultOnDemandReadUnits   = throttle.DefaultOnDemandReadUnits
	DefaultOnDemandWriteUnits  = throttle.DefaultOnDemandWriteUnits
	DefaultOnDemandPeakWindow  = throttle.DefaultOnDemandPeakWindow
	DefaultAccountUnits        = throttle.DefaultAccountUnits

	ExceptionProvisionedThroughputExceeded = throttle.ExceptionProvisionedThroughputExceeded
	ExceptionThrottling                    = throttle.ExceptionThrottling
	ExceptionRequestLimitExceeded          = throttle.ExceptionRequestLimitExceeded

	TableReadProvisionedThroughputExceeded  = throttle.TableReadProvisionedThroughputExceeded
	TableWriteProvisionedThroughputExceeded = throttle.TableWriteProvisionedThroughputExceeded
	TableReadKeyRangeThroughputExceeded     = throttle.TableReadKeyRangeThroughputExceeded
	TableWriteKeyRangeThroughputExceeded    = throttle.TableWriteKeyRangeThroughputExceeded
	TableReadMaxOnDemandThroughputExceeded  = throttle.TableReadMaxOnDemandThroughputExceeded
	TableWriteMaxOnDemandThroughputExceeded = throttle.TableWriteMaxOnDemandThroughputExceeded
	TableReadAccountLimitExceeded           = throttle.TableReadAccountLimitExceeded
	TableWriteAccountLimitExceeded          = throttle.TableWriteAccountLimitExceeded
)

var (
	NewBucket = throttle.NewBucket
	WriteCost = throttle.WriteCost
	ReadCost  = throttle.ReadCost
)

// The fault schedule lives in package faults.

type (
	Faults         = faults.Schedule
	FaultsError    = faults.Error
	Duration       = faults.Duration
	Window         = faults.Window
	CapacityChange = faults.CapacityChange
	ErrorFault     = faults.ErrorFault
	LatencyFault   = faults.LatencyFault
	StallFault     = faults.StallFault
	DropFault      = faults.DropFault
)

const (
	DistFixed       = faults.DistFixed
	DistUniform     = faults.DistUniform
	DistNormal      = faults.DistNormal
	DistExponential = faults.DistExponential
)

var (
	LoadFaults  = faults.Load
	ParseFaults = faults.Parse
)
