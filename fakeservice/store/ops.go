package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/throttlebench/throttlebench/fakeservice/throttle"
	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// operation handles one X-Amz-Target operation: it decodes body and returns
// the value to answer as JSON, or an error (a *wire.Error for the client).
type operation func(s *DB, body []byte) (any, error)

// operations maps the operation name after "DynamoDB_20120810." to its handler.
var operations = map[string]operation{
	"CreateTable":    (*DB).CreateTable,
	"DescribeTable":  (*DB).describeTable,
	"DeleteTable":    (*DB).deleteTable,
	"ListTables":     (*DB).listTables,
	"UpdateTable":    (*DB).UpdateTable,
	"PutItem":        (*DB).putItem,
	"GetItem":        (*DB).getItem,
	"DeleteItem":     (*DB).deleteItem,
	"UpdateItem":     (*DB).updateItem,
	"Query":          (*DB).query,
	"Scan":           (*DB).scan,
	"BatchWriteItem": (*DB).batchWriteItem,
	"BatchGetItem":   (*DB).batchGetItem,
	// Transactions: transact.go.
	"TransactWriteItems": (*DB).transactWriteItems,
	"TransactGetItems":   (*DB).transactGetItems,
}

// decode unmarshals a request body that is known to be valid JSON; a value of
// the wrong JSON type is a SerializationException, as in DynamoDB.
func decode(body []byte, v any) error {
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return wire.SerializationError("Start of structure or map found where not expected.")
		}
		return wire.SerializationError(fmt.Sprintf("Unexpected %s value for %s", te.Value, te.Field))
	}
	return wire.SerializationError(err.Error())
}

// Present reports whether an optional JSON member was given and not null.
func Present(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}

// Wire shapes shared by requests and responses.

type keySchemaElement struct {
	AttributeName string
	KeyType       string
}

type attributeDefinition struct {
	AttributeName string
	AttributeType string
}

type ProvisionedThroughputDescription struct {
	LastIncreaseDateTime   float64 `json:",omitempty"`
	LastDecreaseDateTime   float64 `json:",omitempty"`
	NumberOfDecreasesToday int64
	ReadCapacityUnits      int64
	WriteCapacityUnits     int64
}

type onDemandThroughput struct {
	MaxReadRequestUnits  int64
	MaxWriteRequestUnits int64
}

type BillingModeSummary struct {
	BillingMode                       string
	LastUpdateToPayPerRequestDateTime float64 `json:",omitempty"`
}

type tableDescription struct {
	TableName                 string
	TableArn                  string
	TableId                   string
	TableStatus               string
	CreationDateTime          float64
	KeySchema                 []keySchemaElement
	AttributeDefinitions      []attributeDefinition
	ItemCount                 int64
	TableSizeBytes            int64
	ProvisionedThroughput     ProvisionedThroughputDescription
	BillingModeSummary        BillingModeSummary
	OnDemandThroughput        *onDemandThroughput `json:",omitempty"`
	GlobalSecondaryIndexes    []indexDescription  `json:",omitempty"`
	LocalSecondaryIndexes     []indexDescription  `json:",omitempty"`
	WarmThroughput            *warmDescription    `json:",omitempty"`
	DeletionProtectionEnabled bool
}

type consumedCapacity struct {
	TableName              string
	CapacityUnits          float64
	Table                  *capacityUnits           `json:",omitempty"`
	GlobalSecondaryIndexes map[string]capacityUnits `json:",omitempty"`
}

type capacityUnits struct {
	CapacityUnits float64
}

// consumed returns the ConsumedCapacity answer for mode (TOTAL, INDEXES or
// NONE) for n units of kind, nil when none was asked for: the total, and
// with INDEXES the table's own share, which is all of it as there are no
// indexes. (DynamoDB's examples show CapacityUnits only, without the
// ReadCapacityUnits and WriteCapacityUnits split, for these operations.)
func consumed(mode *string, tableName string, _ throttle.Kind, n throttle.MilliUnits) *consumedCapacity {
	if mode == nil || *mode == "NONE" {
		return nil
	}
	c := &consumedCapacity{TableName: tableName, CapacityUnits: n.Units()}
	if *mode == "INDEXES" {
		c.Table = &capacityUnits{CapacityUnits: n.Units()}
	}
	return c
}

var returnConsumedCapacityValues = []string{"INDEXES", "TOTAL", "NONE"}

// lookup returns the table named name, or ResourceNotFoundException with msg.
func (s *DB) lookup(name, msg string) (*Table, error) {
	v, ok := s.tables.Load(name)
	if !ok {
		return nil, wire.ResourceNotFoundError(msg)
	}
	return v.(*Table), nil
}

func tableNotFoundMessage(name string) string {
	return "Requested resource not found: Table: " + name + " not found"
}

// CreateTable

type createTableInput struct {
	TableName             *string
	KeySchema             []struct{ AttributeName, KeyType *string }
	AttributeDefinitions  []struct{ AttributeName, AttributeType *string }
	BillingMode           *string
	ProvisionedThroughput *struct {
		ReadCapacityUnits, WriteCapacityUnits *int64
	}
	OnDemandThroughput     *onDemandThroughputInput
	GlobalSecondaryIndexes []indexInput
	LocalSecondaryIndexes  []indexInput
	WarmThroughput         *warmInput
}

type onDemandThroughputInput struct {
	MaxReadRequestUnits, MaxWriteRequestUnits *int64
}

// onDemandMax checks OnDemandThroughput maximums: -1 (none) or at least 1.
func (v *validator) onDemandMax(path string, n *int64) {
	if n != nil && *n != -1 && *n < 1 {
		v.add(fmt.Sprintf("'%d'", *n), path, "Member must have value greater than or equal to -1")
	}
}

// resolve returns the maximums, -1 for none, applied over cur.
func (o *onDemandThroughputInput) resolve(curRead, curWrite int64) (int64, int64) {
	if o == nil {
		return curRead, curWrite
	}
	if o.MaxReadRequestUnits != nil {
		curRead = *o.MaxReadRequestUnits
	}
	if o.MaxWriteRequestUnits != nil {
		curWrite = *o.MaxWriteRequestUnits
	}
	return curRead, curWrite
}

func (s *DB) CreateTable(body []byte) (any, error) {
	var in createTableInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validator
	v.tableName("tableName", in.TableName, true)
	v.notNull("keySchema", in.KeySchema == nil)
	if in.KeySchema != nil && (len(in.KeySchema) < 1 || len(in.KeySchema) > 2) {
		c := "Member must have length less than or equal to 2"
		if len(in.KeySchema) < 1 {
			c = "Member must have length greater than or equal to 1"
		}
		v.add(fmt.Sprintf("'%d elements'", len(in.KeySchema)), "keySchema", c)
	}
	for i, e := range in.KeySchema {
		path := fmt.Sprintf("keySchema.%d.member.", i+1)
		v.attributeName(path+"attributeName", e.AttributeName)
		v.notNull(path+"keyType", e.KeyType == nil)
		v.enum(path+"keyType", e.KeyType, "HASH", "RANGE")
	}
	v.notNull("attributeDefinitions", in.AttributeDefinitions == nil)
	for i, d := range in.AttributeDefinitions {
		path := fmt.Sprintf("attributeDefinitions.%d.member.", i+1)
		v.attributeName(path+"attributeName", d.AttributeName)
		v.notNull(path+"attributeType", d.AttributeType == nil)
		v.enum(path+"attributeType", d.AttributeType, "B", "N", "S")
	}
	if pt := in.ProvisionedThroughput; pt != nil {
		v.units("provisionedThroughput.readCapacityUnits", pt.ReadCapacityUnits)
		v.units("provisionedThroughput.writeCapacityUnits", pt.WriteCapacityUnits)
	}
	v.enum("billingMode", in.BillingMode, BillingProvisioned, BillingPayPerRequest)
	if od := in.OnDemandThroughput; od != nil {
		v.onDemandMax("onDemandThroughput.maxReadRequestUnits", od.MaxReadRequestUnits)
		v.onDemandMax("onDemandThroughput.maxWriteRequestUnits", od.MaxWriteRequestUnits)
	}
	for i := range in.GlobalSecondaryIndexes {
		in.GlobalSecondaryIndexes[i].validate(&v, fmt.Sprintf("globalSecondaryIndexes.%d.member", i+1))
	}
	in.WarmThroughput.validate(&v, "warmThroughput")
	for i := range in.LocalSecondaryIndexes {
		in.LocalSecondaryIndexes[i].validate(&v, fmt.Sprintf("localSecondaryIndexes.%d.member", i+1))
	}
	if err := v.err(); err != nil {
		return nil, err
	}

	billing := BillingProvisioned
	if in.BillingMode != nil {
		billing = *in.BillingMode
	}
	switch {
	case billing == BillingProvisioned && in.ProvisionedThroughput == nil:
		return nil, wire.ValidationError("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
	case billing == BillingPayPerRequest && in.ProvisionedThroughput != nil:
		return nil, wire.ValidationError("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
	}

	defs := make(map[string]wire.Type, len(in.AttributeDefinitions))
	attrDefs := make([]attributeDefinition, 0, len(in.AttributeDefinitions))
	for _, d := range in.AttributeDefinitions {
		if _, dup := defs[*d.AttributeName]; dup {
			return nil, wire.ValidationError("Cannot have two attributes with the same name")
		}
		defs[*d.AttributeName] = wire.TypeByName[*d.AttributeType]
		attrDefs = append(attrDefs, attributeDefinition{AttributeName: *d.AttributeName, AttributeType: *d.AttributeType})
	}
	ks := in.KeySchema
	switch {
	case *ks[0].KeyType != "HASH":
		return nil, wire.ValidationError("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
	case len(ks) == 2 && *ks[1].KeyType != "RANGE":
		return nil, wire.ValidationError("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
	case len(ks) == 2 && *ks[0].AttributeName == *ks[1].AttributeName:
		return nil, wire.ValidationError("Both the Hash Key and the Range Key element in the KeySchema have the same name")
	}
	var keyNames []string
	undefined := false
	for _, e := range ks {
		keyNames = append(keyNames, *e.AttributeName)
		_, ok := defs[*e.AttributeName]
		undefined = undefined || !ok
	}
	if undefined {
		defNames := make([]string, 0, len(attrDefs))
		for _, d := range attrDefs {
			defNames = append(defNames, d.AttributeName)
		}
		return nil, wire.ValidationError(fmt.Sprintf(
			"One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]",
			strings.Join(keyNames, ", "), strings.Join(defNames, ", ")))
	}
	tableHash := keyAttr{Name: *ks[0].AttributeName, typ: defs[*ks[0].AttributeName]}
	var tableRng *keyAttr
	if len(ks) == 2 {
		tableRng = &keyAttr{Name: *ks[1].AttributeName, typ: defs[*ks[1].AttributeName]}
	}
	used := map[string]bool{}
	for _, e := range ks {
		used[*e.AttributeName] = true
	}
	var indexes []*Index
	for g, list := range [][]indexInput{in.GlobalSecondaryIndexes, in.LocalSecondaryIndexes} {
		for i := range list {
			x, err := list[i].build(g == 0, defs, billing, tableHash, tableRng, s.model.TableQuota())
			if err != nil {
				return nil, err
			}
			for _, y := range indexes {
				if y.Name == x.Name {
					return nil, wire.ValidationError("One or more parameter values were invalid: Duplicate index name: " + x.Name)
				}
			}
			used[x.hash.Name] = true
			if x.rng != nil {
				used[x.rng.Name] = true
			}
			indexes = append(indexes, x)
		}
	}
	if len(attrDefs) != len(used) {
		if len(indexes) == 0 {
			return nil, wire.ValidationError("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
		}
		defNames := make([]string, 0, len(attrDefs))
		for _, d := range attrDefs {
			defNames = append(defNames, d.AttributeName)
		}
		usedNames := make([]string, 0, len(used))
		for n := range used {
			usedNames = append(usedNames, n)
		}
		slices.Sort(usedNames)
		return nil, wire.ValidationError(fmt.Sprintf("One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [%s], keys used: [%s]",
			strings.Join(defNames, ", "), strings.Join(usedNames, ", ")))
	}

	name := *in.TableName
	t := &Table{
		Name:        name,
		ARN:         TableARN(s.region, s.accountID, name),
		id:          newTableID(),
		hash:        tableHash,
		rng:         tableRng,
		attrDefs:    attrDefs,
		Billing:     billing,
		items:       newItemMap(),
		shared:      &s.shared,
		keep:        &s.keep,
		collections: make(map[string]map[string]struct{}),
	}
	t.maxRead, t.maxWrite = in.OnDemandThroughput.resolve(-1, -1)
	t.setIndexes(indexes)
	for _, x := range indexes {
		x.ARN = IndexARN(t.ARN, x.Name)
	}
	if billing == BillingProvisioned {
		t.ReadUnits = *in.ProvisionedThroughput.ReadCapacityUnits
		t.WriteUnits = *in.ProvisionedThroughput.WriteCapacityUnits
		if limit := s.model.TableQuota(); t.ReadUnits > limit || t.WriteUnits > limit {
			return nil, wire.LimitExceededError(fmt.Sprintf(
				"Subscriber limit exceeded: Provisioned throughput for a table cannot exceed %d read or write capacity units", limit))
		}
	}
	// The table's clock starts under its lock so that no request can see a
	// half-built table.
	t.Mu.Lock()
	defer t.Mu.Unlock()
	t.Created = s.now()
	if billing == BillingProvisioned {
		t.Capacity = s.model.NewProvisioned(t.ReadUnits, t.WriteUnits, t.Created)
	} else {
		t.Capacity = s.model.NewOnDemand(t.maxRead, t.maxWrite, t.Created)
		t.lastPPR = t.Created
	}
	t.Capacity.UseAccount(s.acct)
	in.WarmThroughput.apply(t.Capacity, t.Created)
	for i, x := range t.indexes {
		x.provision(s.model, billing, s.acct, t.Created)
		if i < len(in.GlobalSecondaryIndexes) {
			in.GlobalSecondaryIndexes[i].WarmThroughput.apply(x.Capacity, t.Created)
		}
	}
	s.scaleTable(t, t.Created)
	if _, loaded := s.tables.LoadOrStore(name, t); loaded {
		return nil, wire.ResourceInUseError("Table already exists: " + name)
	}
	// Tables are usable at once, so the description says so.
	return struct{ TableDescription *tableDescription }{t.description("ACTIVE")}, nil
}

// attributeName checks a required attribute name of 1-255 bytes.
func (v *validator) attributeName(path string, name *string) {
	switch {
	case name == nil:
		v.notNull(path, true)
	case len(*name) < 1:
		v.add(quote(*name), path, "Member must have length greater than or equal to 1")
	case len(*name) > 255:
		v.add(quote(*name), path, "Member must have length less than or equal to 255")
	}
}

// units checks a required capacity of at least one unit.
func (v *validator) units(path string, n *int64) {
	switch {
	case n == nil:
		v.notNull(path, true)
	case *n < 1:
		v.add(fmt.Sprintf("'%d'", *n), path, "Member must have value greater than or equal to 1")
	}
}

// newTableID returns a random UUID, as DynamoDB's TableId.
func newTableID() string {
	a, b := rand.Uint64(), rand.Uint64()
	a = a&^0xf000 | 0x4000     // version 4
	b = b&^(0xc<<60) | 0x8<<60 // RFC 4122 variant
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, a>>16&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

// DescribeTable

type TableNameInput struct {
	TableName *string
}

func (s *DB) describeTable(body []byte) (any, error) {
	var in TableNameInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validator
	v.tableName("tableName", in.TableName, true)
	if err := v.err(); err != nil {
		return nil, err
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
	t.Rescale(s.now())
	return struct{ Table *tableDescription }{t.description("ACTIVE")}, nil
}

// DeleteTable

func (s *DB) deleteTable(body []byte) (any, error) {
	var in TableNameInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validator
	v.tableName("tableName", in.TableName, true)
	if err := v.err(); err != nil {
		return nil, err
	}
	t, err := s.lookup(*in.TableName, tableNotFoundMessage(*in.TableName))
	if err != nil {
		return nil, err
	}
	t.Mu.Lock()
	if t.Deleted {
		t.Mu.Unlock()
		return nil, wire.ResourceNotFoundError(tableNotFoundMessage(t.Name))
	}
	t.Deleted = true
	d := t.description("DELETING")
	t.Mu.Unlock()
	s.tables.CompareAndDelete(t.Name, t)
	return struct{ TableDescription *tableDescription }{d}, nil
}

// ListTables

type listTablesInput struct {
	ExclusiveStartTableName *string
	Limit                   *int64
}

const maxListTablesLimit = 100

func (s *DB) listTables(body []byte) (any, error) {
	var in listTablesInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validator
	v.tableName("exclusiveStartTableName", in.ExclusiveStartTableName, false)
	if in.Limit != nil {
		switch {
		case *in.Limit < 1:
			v.add(fmt.Sprintf("'%d'", *in.Limit), "limit", "Member must have value greater than or equal to 1")
		case *in.Limit > maxListTablesLimit:
			v.add(fmt.Sprintf("'%d'", *in.Limit), "limit", "Member must have value less than or equal to 100")
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	limit := maxListTablesLimit
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	var names []string
	s.tables.Range(func(k, _ any) bool {
		name := k.(string)
		if in.ExclusiveStartTableName == nil || name > *in.ExclusiveStartTableName {
			names = append(names, name)
		}
		return true
	})
	slices.Sort(names)
	out := struct {
		TableNames             []string
		LastEvaluatedTableName string `json:",omitempty"`
	}{TableNames: []string{}}
	if len(names) > limit {
		names = names[:limit]
		out.LastEvaluatedTableName = names[limit-1]
	}
	out.TableNames = append(out.TableNames, names...)
	return out, nil
}

// PutItem

type putItemInput struct {
	TableName                           *string
	Item                                map[string]json.RawMessage
	ReturnConsumedCapacity              *string
	ReturnValues                        *string
	ReturnItemCollectionMetrics         *string
	ReturnValuesOnConditionCheckFailure *string
	ConditionExpression                 *string
	ConditionalOperator                 *string
	Expected                            json.RawMessage
	ExpressionAttributeNames            map[string]string
	ExpressionAttributeValues           map[string]json.RawMessage

	// item is Item already decoded, by parseFastPutItem (fastpath.go);
	// nil when Item is to be decoded by wire.DecodeItem, or was scanned.
	item map[string]wire.Value
	// scan is Item read by parseFastPutItem without building it, for a DB
	// whose Keep keeps no attributes; nil when it was not.
	scan *wire.ItemScan
}

func (s *DB) putItem(body []byte) (any, error) {
	var in putItemInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	return s.putItemDecoded(&in)
}

// putItemDecoded runs a PutItem request decoded by putItem or
// parseFastPutItem.
func (s *DB) putItemDecoded(in *putItemInput) (any, error) {
	var v validator
	v.tableName("tableName", in.TableName, true)
	v.notNull("item", in.Item == nil && in.item == nil && in.scan == nil)
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
	item, scan := in.item, in.scan
	var size int
	if scan != nil {
		size = scan.Size
	} else {
		if item == nil {
			if item, err = wire.DecodeItem(in.Item); err != nil {
				return nil, err
			}
		}
		size = wire.ItemSize(item)
	}
	if size > throttle.MaxItemSize {
		return nil, wire.ValidationError("Item size has exceeded the maximum allowed size")
	}
	t, err := s.lookup(*in.TableName, "Requested resource not found")
	if err != nil {
		return nil, err
	}
	var key Key
	if scan != nil {
		key, err = t.keyOfItem(scan.Attr)
	} else {
		key, err = t.KeyOfItem(item)
	}
	if err != nil {
		return nil, err
	}
	allOld := in.ReturnValues != nil && *in.ReturnValues == "ALL_OLD"
	var late func() map[string]wire.Value
	if scan != nil {
		late = scan.Item
		if t.indexed.Load() {
			// A table with indexes reads the item to charge the write:
			// built here, not under t.Mu, which the builder holds.
			item = scan.Item()
		}
	}
	w, err := s.write(t, key, cond, returnOld(in.ReturnValuesOnConditionCheckFailure), allOld, func(storedItem, bool) (map[string]wire.Value, int, []string, error) {
		if scan != nil {
			// t.Mu, held here, guards the indexes: look again, as
			// UpdateTable may have added or deleted one since.
			switch {
			case item != nil:
			case len(t.indexes) > 0:
				item = scan.Item()
			default:
				// Built by write once admitted, if the table keeps items.
				return unbuiltItem, size, nil, nil
			}
		}
		return item, size, nil, nil
	}, late)
	if err != nil {
		return nil, err
	}
	out := writeOutput{ConsumedCapacity: w.charge.consumed(in.ReturnConsumedCapacity, t.Name)}
	if w.existed && allOld {
		out.Attributes = w.old.attrs
	}
	if out.ConsumedCapacity == nil && out.Attributes == nil {
		return emptyWriteOutput, nil // boxed once: no allocation
	}
	return out, nil
}

// unbuiltItem is what a PutItem's builder returns for a scanned item it
// did not build, on a table without indexes: not nil, which would delete
// the item. write reads no attribute of it, and builds the item once the
// write is admitted if the table keeps items (keepMode); else put keeps
// none. Never modified.
var unbuiltItem = map[string]wire.Value{}

// emptyWriteOutput is writeOutput{} as an any, the common answer of a write.
var emptyWriteOutput any = writeOutput{}

// GetItem

type getItemInput struct {
	TableName                *string
	Key                      map[string]json.RawMessage
	ConsistentRead           *bool
	ReturnConsumedCapacity   *string
	AttributesToGet          []string
	ProjectionExpression     *string
	ExpressionAttributeNames map[string]string

	// key is Key already decoded, by parseGetItem (fastpath.go); nil when
	// Key is to be decoded by wire.DecodeItem.
	key map[string]wire.Value
}

// getItemOutput is the answer of GetItem.
type getItemOutput struct {
	Item             map[string]wire.Value `json:",omitempty"`
	ConsumedCapacity *consumedCapacity     `json:",omitempty"`
}

func (s *DB) getItem(body []byte) (any, error) {
	var in getItemInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	return s.getItemDecoded(&in)
}

// getItemDecoded runs a GetItem request decoded by getItem or parseGetItem.
func (s *DB) getItemDecoded(in *getItemInput) (any, error) {
	var v validator
	v.tableName("tableName", in.TableName, true)
	v.notNull("key", in.Key == nil && in.key == nil)
	v.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, returnConsumedCapacityValues...)
	if in.AttributesToGet != nil && len(in.AttributesToGet) == 0 {
		v.add("'[]'", "attributesToGet", "Member must have length greater than or equal to 1")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	attrs, err := projection(in.AttributesToGet, in.ProjectionExpression, in.ExpressionAttributeNames)
	if err != nil {
		return nil, err
	}
	keyAttrs := in.key
	if keyAttrs == nil {
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
	consistent := in.ConsistentRead != nil && *in.ConsistentRead

	t.Mu.Lock()
	if t.Deleted {
		t.Mu.Unlock()
		return nil, wire.ResourceNotFoundError("Requested resource not found")
	}
	it, found := t.get(key)
	cost := throttle.ReadCost(it.size, consistent)
	d := t.Charge(s.now(), throttle.Read, key.Hash, cost)
	t.Mu.Unlock()
	if !d.Admitted {
		return nil, wire.ThrottleError(d, t.ARN)
	}

	out := getItemOutput{ConsumedCapacity: consumed(in.ReturnConsumedCapacity, t.Name, throttle.Read, cost)}
	if found {
		out.Item = project(it.attrs, attrs)
	}
	return out, nil
}

// projection returns the top-level attribute names a GetItem asks for, nil
// for all of them. Nested document paths are not supported yet.
func projection(toGet []string, expr *string, names map[string]string) ([]string, error) {
	if toGet != nil && expr != nil {
		return nil, wire.ValidationError("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}")
	}
	if expr == nil {
		if names != nil {
			return nil, wire.ValidationError("ExpressionAttributeNames can only be specified when using expressions")
		}
		seen := make(map[string]bool, len(toGet))
		for _, a := range toGet {
			if seen[a] {
				return nil, wire.ValidationError("One or more parameter values were invalid: Duplicate value in attribute name: " + a)
			}
			seen[a] = true
		}
		return toGet, nil
	}
	if strings.TrimSpace(*expr) == "" {
		return nil, wire.ValidationError("Invalid ProjectionExpression: The expression can not be empty;")
	}
	used := make(map[string]bool, len(names))
	var attrs []string
	for _, p := range strings.Split(*expr, ",") {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
			return nil, wire.ValidationError("Invalid ProjectionExpression: Syntax error; token: \",\"")
		case strings.ContainsAny(p, ".[] \t\n"):
			return nil, wire.ValidationError("fakeservice supports only top-level attribute names in ProjectionExpression, got: " + p)
		case strings.HasPrefix(p, "#"):
			n, ok := names[p]
			if !ok {
				return nil, wire.ValidationError("Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: " + p)
			}
			used[p] = true
			attrs = append(attrs, n)
		default:
			attrs = append(attrs, p)
		}
	}
	var unused []string
	for k := range names {
		if !used[k] {
			unused = append(unused, k)
		}
	}
	if len(unused) > 0 {
		slices.Sort(unused)
		return nil, wire.ValidationError("Value provided in ExpressionAttributeNames unused in expressions: keys: {" + strings.Join(unused, ", ") + "}")
	}
	return attrs, nil
}

// project returns the attributes of item named in attrs; all of them when
// attrs is nil.
func project(item map[string]wire.Value, attrs []string) map[string]wire.Value {
	if attrs == nil {
		return item
	}
	out := make(map[string]wire.Value, len(attrs))
	for _, a := range attrs {
		if v, ok := item[a]; ok {
			out[a] = v
		}
	}
	return out
}
