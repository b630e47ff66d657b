package exampleutil

import (
	"maps"
	"slices"
	"strings"
)

// FormatTags writes tags as key=value pairs sorted by key, or "none".
func FormatTags(tags map[string]string) string {
	if len(tags) == 0 {
		return "none"
	}
	pairs := make([]string, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		pairs = append(pairs, k+"="+tags[k])
	}
	return strings.Join(pairs, ", ")
}
