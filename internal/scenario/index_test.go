package scenario

import (
	"strings"
	"testing"
)

const withIndex = "  write_capacity: 20\n  global_secondary_indexes:\n    - {name: by-group, read_capacity: 1, write_capacity: 2}\n"

func TestGlobalIndexDefaults(t *testing.T) {
	sc, err := Parse("t.yaml", []byte(strings.Replace(valid, "  write_capacity: 20\n",
		withIndex+"    - {name: second, projection: keys_only, key_values: 5, read_capacity: 1, write_capacity: 1}\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	got := sc.Table.GlobalIndexes
	want := []GlobalIndex{
		{Name: "by-group", Key: "gk", KeyValues: DefaultIndexKeyValues, Projection: ProjectAll, ReadCapacity: 1, WriteCapacity: 2},
		{Name: "second", Key: "gk2", KeyValues: 5, Projection: ProjectKeysOnly, ReadCapacity: 1, WriteCapacity: 1},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	// gk: 2 + 9 bytes, gk2: 3 + 9.
	if n := sc.Table.IndexAttrSize(); n != 23 {
		t.Errorf("got IndexAttrSize %d, want 23", n)
	}
	seen := map[string]bool{}
	for k := range 100 {
		v := got[1].IndexKeyValue(string(rune('a'+k%26)) + strings.Repeat("x", k))
		if len(v) != 9 {
			t.Errorf("got value %q, want 9 bytes", v)
		}
		seen[v] = true
	}
	if len(seen) != 5 {
		t.Errorf("got %d distinct values over 100 keys, want key_values = 5", len(seen))
	}
}

func TestGlobalIndexErrors(t *testing.T) {
	tests := []struct {
		name, index, want string
	}{
		{"short name", "{name: g, read_capacity: 1, write_capacity: 1}", "t.yaml:6: table.global_secondary_indexes[0].name: must be 3-255 characters"},
		{"key is the table's", "{name: gsi, key: pk, read_capacity: 1, write_capacity: 1}", "t.yaml:6: table.global_secondary_indexes[0].key: attribute \"pk\" is already a key"},
		{"bad projection", "{name: gsi, projection: include, read_capacity: 1, write_capacity: 1}", "t.yaml:6: table.global_secondary_indexes[0].projection: must be \"all\" or \"keys_only\", got \"include\""},
		{"no write capacity", "{name: gsi, read_capacity: 1}", "t.yaml:6: table.global_secondary_indexes[0].write_capacity: must be > 0 for a provisioned table, got 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(valid, "  write_capacity: 20\n", "  write_capacity: 20\n  global_secondary_indexes:\n    - "+tt.index+"\n", 1)
			_, err := Parse("t.yaml", []byte(src))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got %v, want prefix %q", err, tt.want)
			}
		})
	}
	_, err := Parse("t.yaml", []byte(strings.Replace(strings.Replace(valid, "  write_capacity: 20\n", withIndex, 1), "duration: 2s", "duration: 2s\n  preload: true", 1)))
	if want := "t.yaml:10: workload.preload: not supported with table.global_secondary_indexes"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v, want prefix %q", err, want)
	}
}
