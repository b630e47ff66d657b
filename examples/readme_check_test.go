package examples_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Tests of the README checks themselves: they must catch what they claim to.

func TestFencedBlocks(t *testing.T) {
	t.Parallel()
	text := "intro\n```go\na := 1\n\nb := 2\n```\n```sh\nmake test\n```\n```\nplain\n```\n```go\nc()\n```\n"
	if diff := cmp.Diff([]string{"a := 1\n\nb := 2\n", "c()\n"}, fencedBlocks(text, "go")); diff != "" {
		t.Errorf("go blocks (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"make test\n"}, fencedBlocks(text, "sh")); diff != "" {
		t.Errorf("sh blocks (-want +got):\n%s", diff)
	}
}

func TestContainsBlock(t *testing.T) {
	t.Parallel()
	src := "func Example() {\n\tx, err := f()\n\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n\n\tfmt.Println(x)\n}\n"
	tests := []struct {
		snippet string
		want    bool
	}{
		{"x, err := f()\nif err != nil {\n\tlog.Fatal(err)\n}\n", true},
		{"if err != nil {\n\tlog.Fatal(err)\n}\n\nfmt.Println(x)\n", true},
		{"log.Fatal(err)\n", true},
		{"func Example() {\n", true},
		{"x, err := f()\nfmt.Println(x)\n", false},            // lines not in a row
		{"if err != nil {\nlog.Fatal(err)\n}\n", false},       // indentation differs
		{"x, err := g()\n", false},                            // changed
		{"err := f()\n", false},                               // part of a line only
		{"fmt.Println(x)\n}\n}\n", false},                     // past the end
		{"\tx, err := f()\n\tif err != nil {\n", true},        // indented as a whole
		{"if err != nil {\n\t\tlog.Fatal(err)\n\t}\n", false}, // indentation not uniform
	}
	for _, tt := range tests {
		if got := containsBlock(src, tt.snippet); got != tt.want {
			t.Errorf("containsBlock(%q) = %t, want %t", tt.snippet, got, tt.want)
		}
	}
}

func TestCommandCheck(t *testing.T) {
	t.Parallel()
	c := &commandChecker{
		module:   "example.com/m",
		makefile: "GO ?= go\nUPSTREAM ?= x\n\ndemo:\n\tgo run ./x\n\ntest: lint\n",
		envVars:  []string{"AZURE_KEYVAULT_URL"},
	}
	tests := []struct {
		cmd string
		ok  bool
	}{
		{"make demo", true},
		{"make test UPSTREAM=../y", true},
		{"make deploy", false},
		{"make test FOO=1", false},
		{"go get example.com/m", true},
		{"go get example.com/other", false},
		{"go run ./examples/hello_world", true},
		{"AZURE_KEYVAULT_URL=https://v.vault.azure.net go run ./examples/hello_world", true},
		{"SECRET=x go run ./examples/hello_world", false},
		{"go run ./nothing_here", false},
		{"go mod vendor", true},
		{"go install example.com/m@latest", false},
		{"rm -rf /", false},
	}
	for _, tt := range tests {
		if err := c.check(tt.cmd); (err == "") != tt.ok {
			t.Errorf("check(%q) = %q, want ok %t", tt.cmd, err, tt.ok)
		}
	}
}

func TestCheckMainFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dir  string
		args []string
		ok   bool
	}{
		{"./examples/hello_world", nil, true},
		{"./examples/internal", nil, false},
		{"./examples/hello_world", []string{"-verbose"}, false},
		{"./examples/hello_world", []string{"-h"}, false}, // it does not use package flag
		{"./cmd/kvemulator", []string{"-addr", "127.0.0.1:8443", "-ca-out=ca.pem", "-h"}, true},
		{"./cmd/kvemulator", []string{"-port", "8443"}, false},
	}
	for _, tt := range tests {
		if err := checkMain(tt.dir, tt.args); (err == "") != tt.ok {
			t.Errorf("checkMain(%q, %q) = %q, want ok %t", tt.dir, tt.args, err, tt.ok)
		}
	}
}
