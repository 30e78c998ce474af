package scenario

import (
	"fmt"
	"hash/fnv"
	"strconv"
)

// Projections of a global secondary index.
const (
	ProjectAll      = "all"
	ProjectKeysOnly = "keys_only"
)

// DefaultIndexKeyValues is how many distinct values an index key takes
// when a scenario names none.
const DefaultIndexKeyValues = 1000

// indexValueDigits is the fixed width of an index key value's number, so
// that every item carries an index key of the same size.
const indexValueDigits = 8

// GlobalIndex is a global secondary index of the table. Every item the
// workload writes carries its key attribute, a string derived from the
// item's partition key (IndexKeyValue), so the index's write cost follows
// the table's writes as in DynamoDB.
type GlobalIndex struct {
	// Name is the index name, 3-255 characters of [a-zA-Z0-9_.-].
	Name string `yaml:"name" json:"name"`
	// Key is the index's partition key attribute; default "gk" followed by
	// the index's position for the second and later ("gk", "gk2", ...).
	Key string `yaml:"key" json:"key,omitempty"`
	// KeyValues is how many distinct values the key takes across items;
	// default DefaultIndexKeyValues (1,000). Few values make hot index keys.
	KeyValues int64 `yaml:"key_values" json:"key_values,omitempty"`
	// Projection is "all" (default) or "keys_only".
	Projection string `yaml:"projection" json:"projection,omitempty"`
	// ReadCapacity and WriteCapacity are the index's provisioned units per
	// second; required on a provisioned table, not allowed on demand.
	ReadCapacity  int64 `yaml:"read_capacity" json:"read_capacity,omitempty"`
	WriteCapacity int64 `yaml:"write_capacity" json:"write_capacity,omitempty"`
	// AutoScaling scales the index's provisioned capacity; only on a
	// provisioned table.
	AutoScaling *AutoScaling `yaml:"autoscaling" json:"autoscaling,omitempty"`
}

// IndexKeyValue returns the value of index g's key attribute on the item of
// partition key pk: "g" and a fixed-width number below KeyValues, the same
// for every write of pk (so index key changes never happen).
func (g GlobalIndex) IndexKeyValue(pk string) string {
	h := fnv.New64a()
	h.Write([]byte(pk))
	n := strconv.FormatUint(h.Sum64()%uint64(max(g.KeyValues, 1)), 10)
	return "g" + "00000000"[:indexValueDigits-len(n)] + n
}

// IndexAttrSize returns the bytes the table's index key attributes add to
// every item, as DynamoDB bills them (name and value).
func (t Table) IndexAttrSize() int {
	n := 0
	for _, g := range t.GlobalIndexes {
		n += len(g.Key) + 1 + indexValueDigits
	}
	return n
}

func (t *Table) applyIndexDefaults() {
	for i := range t.GlobalIndexes {
		g := &t.GlobalIndexes[i]
		if g.Key == "" {
			g.Key = "gk"
			if i > 0 {
				g.Key += strconv.Itoa(i + 1)
			}
		}
		if g.KeyValues == 0 {
			g.KeyValues = DefaultIndexKeyValues
		}
		if g.Projection == "" {
			g.Projection = ProjectAll
		}
	}
}

// validateIndexes checks the table's global secondary indexes.
func (t Table) validateIndexes(bad func(field, format string, args ...any) error) error {
	names, keys := map[string]bool{}, map[string]bool{"pk": true, "sk": true, "data": true, "v": true}
	for i, g := range t.GlobalIndexes {
		field := fmt.Sprintf("table.global_secondary_indexes[%d]", i)
		switch {
		case len(g.Name) < 3 || len(g.Name) > 255 || !indexNameChars(g.Name):
			return bad(field+".name", "must be 3-255 characters of [a-zA-Z0-9_.-], got %q", g.Name)
		case names[g.Name]:
			return bad(field+".name", "index %q listed twice", g.Name)
		case keys[g.Key]:
			return bad(field+".key", "attribute %q is already a key or an item attribute", g.Key)
		case g.KeyValues < 1 || g.KeyValues > 1e8:
			return bad(field+".key_values", "must be 1 to 100000000, got %d", g.KeyValues)
		case g.Projection != ProjectAll && g.Projection != ProjectKeysOnly:
			return bad(field+".projection", "must be %q or %q, got %q", ProjectAll, ProjectKeysOnly, g.Projection)
		}
		names[g.Name], keys[g.Key] = true, true
		if t.BillingMode == PayPerRequest {
			if g.ReadCapacity != 0 || g.WriteCapacity != 0 {
				return bad(field, "read_capacity and write_capacity are not allowed on an on_demand table")
			}
			continue
		}
		if g.ReadCapacity <= 0 {
			return bad(field+".read_capacity", "must be > 0 for a provisioned table, got %d", g.ReadCapacity)
		}
		if g.WriteCapacity <= 0 {
			return bad(field+".write_capacity", "must be > 0 for a provisioned table, got %d", g.WriteCapacity)
		}
	}
	return nil
}

func indexNameChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}
