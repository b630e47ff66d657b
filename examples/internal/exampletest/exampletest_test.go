package exampletest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMissingLines(t *testing.T) {
	t.Parallel()
	lines := []string{"create a", "get a", "delete a"}
	tests := []struct {
		name string
		want []string
		miss []string
	}{
		{"all in order", []string{"create", "delete"}, []string{}},
		{"nothing wanted", nil, nil},
		{"out of order", []string{"delete", "create"}, []string{"create"}},
		{"two in one line", []string{"create", "a", "a", "a"}, []string{"a"}},
		{"absent", []string{"get", "purge", "delete"}, []string{"purge", "delete"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.miss, MissingLines(lines, tt.want)); diff != "" {
				t.Errorf("MissingLines(%q) (-want +got):\n%s", tt.want, diff)
			}
		})
	}
}
