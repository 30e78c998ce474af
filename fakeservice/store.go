package fakeservice

import (
	"sync"
	"time"
)

// DB is the item store: the tables, their items and capacity, and the
// operations on them.
type DB struct {
	now       func() time.Time
	region    string
	accountID string
	model     Model
	acct      *Account // account-level limit shared by the tables

	tables sync.Map // table name -> *table
}

func newDB(now func() time.Time, region, accountID string, model Model) *DB {
	return &DB{now: now, region: region, accountID: accountID, model: model, acct: model.NewAccount(now())}
}
