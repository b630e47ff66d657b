package main

import (
	"strings"
	"testing"
)

func TestSource(t *testing.T) {
	t.Parallel()
	got, err := source([]byte(`{"info":{"title":"kvcerts","version":"2025-07-01"}}`), "spec/x.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DO NOT EDIT.", "package gen", `const APIVersion = "2025-07-01"`} {
		if !strings.Contains(string(got), want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestSourceRejectsBadVersions(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{
		`{"info":{"version":""}}`,
		`{"info":{"version":"7.6"}}`,
		`{"info":{"version":"2025-07-01\"; var x = \""}}`,
		`not json`,
	} {
		if _, err := source([]byte(doc), "spec/x.json"); err == nil {
			t.Errorf("source(%s) succeeded, want an error", doc)
		}
	}
}
