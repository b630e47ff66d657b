package client

import (
	"fmt"
	"go/ast"
	"go/types"
	"maps"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// notCarried lists, with the reason, every field of gen's models that the
// operations of this package reach but that this package deliberately
// neither reads nor sets. TestDriftGuard fails on a field that is in
// neither place, such as one a new API version adds, and on an entry
// here that no longer needs to be. Keys are "Model.Field" in gen's names.
var notCarried = map[string]string{
	"GetSecretParams.OutContentType":   "DownloadCertificate reads the secret as stored and converts between PEM and PKCS #12 itself",
	"SecretBundle.Kid":                 "the key's id, which the certificate's Kid already gives",
	"SecretBundle.Managed":             "always true for a certificate's secret",
	"SecretBundle.PreviousVersion":     "only for certificates migrated from older vaults; the certificate's own versions are listed instead",
	"SecretBundle.Tags":                "the certificate's tags, read from the certificate",
	"SecretBundle.Attributes":          "the certificate's attributes, read from the certificate",
	"SecretAttributes.Created":         "as SecretBundle.Attributes",
	"SecretAttributes.Enabled":         "as SecretBundle.Attributes",
	"SecretAttributes.Expires":         "as SecretBundle.Attributes",
	"SecretAttributes.NotBefore":       "as SecretBundle.Attributes",
	"SecretAttributes.RecoverableDays": "as SecretBundle.Attributes",
	"SecretAttributes.RecoveryLevel":   "as SecretBundle.Attributes",
	"SecretAttributes.Updated":         "as SecretBundle.Attributes",
}

// clientPackage loads this package's non-test files with their types.
func clientPackage(t *testing.T) *packages.Package {
	t.Helper()
	cfg := &packages.Config{
		Mode:    packages.NeedName | packages.NeedTypes | packages.NeedTypesInfo | packages.NeedSyntax | packages.NeedImports,
		Context: t.Context(),
		Tests:   false,
	}
	pkgs, err := packages.Load(cfg, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 1 || len(pkgs[0].Errors) > 0 {
		t.Fatalf("loading package client: %v", pkgs[0].Errors)
	}
	return pkgs[0]
}

// genPath is the import path of the generated package.
const genPath = "github.com/kvcerts/kvcerts/gen"

// TestDriftGuard walks every field of every gen model reachable from the
// operations this package calls (their request bodies and answers) and
// requires each to be read or set by this package's code, or listed in
// notCarried with its reason. After a regeneration adds a field, this test
// names it, so that it reaches the client's models and the emulator.
func TestDriftGuard(t *testing.T) {
	t.Parallel()
	pkg := clientPackage(t)
	genPkg := pkg.Imports[genPath]
	if genPkg == nil {
		t.Fatal("package client does not import gen")
	}
	scope := genPkg.Types.Scope()

	// The operations called: gen.New<Op>Request.
	ops := map[string]bool{}
	// The fields used: selections and composite literal keys.
	used := map[string]bool{}
	for _, obj := range pkg.TypesInfo.Uses {
		if fn, ok := obj.(*types.Func); ok && fn.Pkg() != nil && fn.Pkg().Path() == genPath {
			if op, ok := strings.CutSuffix(strings.TrimPrefix(fn.Name(), "New"), "Request"); ok && strings.HasPrefix(fn.Name(), "New") {
				ops[op] = true
			}
		}
	}
	for _, s := range pkg.TypesInfo.Selections {
		if s.Kind() == types.FieldVal {
			if key, ok := fieldKey(fieldOwner(s.Recv(), s.Index()), s.Obj().Name()); ok {
				used[key] = true
			}
		}
	}
	for _, file := range pkg.Syntax {
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			tv, ok := pkg.TypesInfo.Types[lit]
			if !ok {
				return true
			}
			for _, e := range lit.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					if k, ok := kv.Key.(*ast.Ident); ok {
						if key, ok := fieldKey(tv.Type, k.Name); ok {
							used[key] = true
						}
					}
				}
			}
			return true
		})
	}
	if len(ops) < 20 {
		t.Fatalf("found only %d operations called through gen.New...Request: %v", len(ops), slices.Sorted(maps.Keys(ops)))
	}

	// The models reachable from those operations, and where from.
	fields := map[string]string{} // "Model.Field" -> operation that reaches it
	var walk func(typ types.Type, via string, seen map[string]bool)
	walk = func(typ types.Type, via string, seen map[string]bool) {
		named := genNamed(typ)
		if named == nil {
			return
		}
		st, ok := named.Underlying().(*types.Struct)
		if !ok || seen[named.Obj().Name()] {
			return
		}
		seen[named.Obj().Name()] = true
		for f := range st.Fields() {
			key := named.Obj().Name() + "." + f.Name()
			if _, ok := fields[key]; !ok {
				fields[key] = via
			}
			walk(f.Type(), via, seen)
		}
	}
	for op := range ops {
		seen := map[string]bool{}
		if fn, ok := scope.Lookup("New" + op + "Request").(*types.Func); ok {
			params := fn.Type().(*types.Signature).Params()
			for p := range params.Variables() {
				walk(p.Type(), op, seen)
			}
		}
		// The answers: the JSON fields of gen's <Op>Response.
		if resp, ok := scope.Lookup(op + "Response").(*types.TypeName); ok {
			st := resp.Type().Underlying().(*types.Struct)
			for f := range st.Fields() {
				if strings.HasPrefix(f.Name(), "JSON") {
					walk(f.Type(), op, seen)
				}
			}
		} else {
			t.Errorf("gen has no %sResponse type", op)
		}
	}

	for _, key := range slices.Sorted(maps.Keys(fields)) {
		_, listed := notCarried[key]
		switch {
		case used[key] && listed:
			t.Errorf("gen field %s is used by package client but also listed in notCarried in client/drift_test.go: remove the entry", key)
		case !used[key] && !listed:
			t.Errorf("gen field %s (reached through %s) is neither carried into package client's models nor listed with a reason: "+
				"carry it (client/models.go, client/convert.go, and the emulator in vaulttest/) or add it to notCarried in client/drift_test.go",
				key, fields[key])
		}
	}
	for key, reason := range notCarried {
		if _, ok := fields[key]; !ok {
			t.Errorf("notCarried in client/drift_test.go lists %s, which no operation of package client reaches: remove the entry", key)
		}
		if strings.TrimSpace(reason) == "" {
			t.Errorf("notCarried in client/drift_test.go lists %s without a reason", key)
		}
	}
}

// genNamed returns the gen model that typ is, or holds as a pointer, slice
// or map element; nil for anything else.
func genNamed(typ types.Type) *types.Named {
	for {
		switch u := types.Unalias(typ).(type) {
		case *types.Pointer:
			typ = u.Elem()
		case *types.Slice:
			typ = u.Elem()
		case *types.Map:
			typ = u.Elem()
		case *types.Named:
			if u.Obj().Pkg() == nil || u.Obj().Pkg().Path() != genPath {
				return nil
			}
			return u
		default:
			return nil
		}
	}
}

// fieldOwner returns the type that declares the field a selection on recv
// with the index path reaches: a field promoted from an embedded gen model
// belongs to that model.
func fieldOwner(recv types.Type, index []int) types.Type {
	t := recv
	for _, i := range index[:len(index)-1] {
		if p, ok := types.Unalias(t).(*types.Pointer); ok {
			t = p.Elem()
		}
		st, ok := t.Underlying().(*types.Struct)
		if !ok {
			return t
		}
		t = st.Field(i).Type()
	}
	return t
}

// fieldKey returns "Model.Field" when typ is a gen model (or a pointer to
// one) with the field name.
func fieldKey(typ types.Type, name string) (string, bool) {
	if p, ok := types.Unalias(typ).(*types.Pointer); ok {
		typ = p.Elem()
	}
	named, ok := types.Unalias(typ).(*types.Named)
	if !ok || named.Obj().Pkg() == nil || named.Obj().Pkg().Path() != genPath {
		return "", false
	}
	if _, ok := named.Underlying().(*types.Struct); !ok {
		return "", false
	}
	return fmt.Sprintf("%s.%s", named.Obj().Name(), name), true
}
