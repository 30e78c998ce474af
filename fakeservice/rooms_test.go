package fakeservice

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The rooms of the fake import one way (ARCHITECTURE.md): the model knows
// nothing but the standard library; faults and the wire format sit on the
// model; expressions on the wire format; the store on all of those; the
// HTTP front (this package) on top; and the simulator calls the model,
// the faults and the wire rules directly, never the server. A new import
// that breaks the order fails here, naming the file.
func TestRoomsImportOneWay(t *testing.T) {
	const mod = "github.com/throttlebench/throttlebench/"
	rooms := []struct {
		dir string
		// may lists the module's packages and the outside modules (by
		// prefix) the room's non-test files may import.
		may []string
	}{
		{"throttle", nil},
		{"faults", []string{mod + "fakeservice/throttle", "github.com/goccy/go-yaml"}},
		{"wire", []string{mod + "fakeservice/throttle"}},
		{"expr", []string{mod + "fakeservice/wire"}},
		{"store", []string{mod + "fakeservice/throttle", mod + "fakeservice/wire", mod + "fakeservice/expr"}},
		{"../internal/sim", []string{mod + "fakeservice/throttle", mod + "fakeservice/faults", mod + "fakeservice/wire",
			mod + "internal/", "github.com/aws/"}},
	}
	for _, room := range rooms {
		files, err := filepath.Glob(filepath.Join(room.dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no Go files (%v)", room.dir, err)
		}
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			f, err := parser.ParseFile(token.NewFileSet(), file, src, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if !strings.Contains(strings.Split(path, "/")[0], ".") {
					continue // the standard library
				}
				if !slices.ContainsFunc(room.may, func(p string) bool { return strings.HasPrefix(path, p) }) {
					t.Errorf("%s imports %s; the room may import only the standard library and %v", file, path, room.may)
				}
			}
		}
	}
}
