// Command k8svalidate runs Kubernetes' own API validation on a stream of
// manifests (YAML documents separated by "---", as bench k8s prints them)
// read from stdin: what a kube-apiserver does to an object on create,
// without one.
//
// Each document is decoded by the API server's scheme (into the internal
// types, defaults applied, unknown fields refused), then validated: a Job
// through the Job registry's own create strategy (PrepareForCreate, which
// generates the selector and labels as the server does, then Validate and
// WarningsOnCreate), a ConfigMap and a ServiceAccount by
// k8s.io/kubernetes/pkg/apis/core/validation. It prints one line per
// document ("valid", or each error) and exits 1 when any is invalid.
//
// It is a module of its own: k8s.io/kubernetes is large (about 18 minutes
// to build cold on a loaded 2-core machine) and needs a replace directive
// for each of its staging modules, none of which the bench binary needs.
//
//	go build -o k8svalidate . && bench k8s -shards 3 -image IMG SCENARIO | ./k8svalidate
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	"k8s.io/kubernetes/pkg/apis/batch"
	_ "k8s.io/kubernetes/pkg/apis/batch/install"
	"k8s.io/kubernetes/pkg/apis/core"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	corevalidation "k8s.io/kubernetes/pkg/apis/core/validation"
	jobregistry "k8s.io/kubernetes/pkg/registry/batch/job"
)

func main() {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "k8svalidate: read stdin: %v\n", err)
		os.Exit(2)
	}
	if bad := validate(os.Stdout, data); bad > 0 {
		os.Exit(1)
	}
}

// validate checks every document of data, prints what it found on w and
// returns the number of errors.
func validate(w io.Writer, data []byte) int {
	codecs := serializer.NewCodecFactory(legacyscheme.Scheme, serializer.EnableStrict)
	decoder := codecs.UniversalDecoder()
	bad := 0
	for i, doc := range bytes.Split(data, []byte("\n---\n")) {
		obj, gvk, err := decoder.Decode(doc, nil, nil)
		if err != nil {
			fmt.Fprintf(w, "document %d: decode: %v\n", i, err)
			bad++
			continue
		}
		var errs []string
		switch o := obj.(type) {
		case *batch.Job:
			ctx := genericapirequest.WithNamespace(context.Background(), o.Namespace)
			o.UID = types.UID("00000000-0000-0000-0000-000000000001") // set by the server on create
			jobregistry.Strategy.PrepareForCreate(ctx, o)
			for _, e := range jobregistry.Strategy.Validate(ctx, o) {
				errs = append(errs, e.Error())
			}
			for _, warning := range jobregistry.Strategy.WarningsOnCreate(ctx, o) {
				errs = append(errs, "warning: "+warning)
			}
		case *core.ConfigMap:
			for _, e := range corevalidation.ValidateConfigMap(o) {
				errs = append(errs, e.Error())
			}
		case *core.ServiceAccount:
			for _, e := range corevalidation.ValidateServiceAccount(o) {
				errs = append(errs, e.Error())
			}
		default:
			errs = append(errs, fmt.Sprintf("no validation here for %s", gvk))
		}
		for _, e := range errs {
			fmt.Fprintf(w, "document %d (%s %s): %s\n", i, gvk.Kind, name(obj), e)
			bad++
		}
		if len(errs) == 0 {
			fmt.Fprintf(w, "document %d (%s %s): valid\n", i, gvk.Kind, name(obj))
		}
	}
	return bad
}

func name(obj any) string {
	if o, ok := obj.(interface{ GetName() string }); ok {
		return o.GetName()
	}
	return ""
}
