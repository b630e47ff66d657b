package exampleutil

import "testing"

func TestFormatTags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tags map[string]string
		want string
	}{
		{nil, "none"},
		{map[string]string{}, "none"},
		{map[string]string{"env": "prod"}, "env=prod"},
		{map[string]string{"b": "2", "a": "1", "c": ""}, "a=1, b=2, c="},
	}
	for _, tt := range tests {
		if got := FormatTags(tt.tags); got != tt.want {
			t.Errorf("FormatTags(%v) = %q, want %q", tt.tags, got, tt.want)
		}
	}
}
