// Tests that keep the repository's README true: every Go snippet is part of
// a compiled, and mostly run, example; every command names something that
// exists and that make test exercises.
package examples_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// root is the repository root, seen from this directory.
const root = ".."

// snippetSources are the files whose code the README's Go snippets must come
// from: the Example functions of each package (run by make test when they
// have an Output comment, compiled otherwise) and the example programs (run
// by their tests).
func snippetSources(t *testing.T) map[string]string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"*/example*_test.go", "examples/*/main.go"} {
		matches, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, matches...)
	}
	src := make(map[string]string)
	for _, m := range files {
		rel, err := filepath.Rel(root, m)
		if err != nil {
			t.Fatal(err)
		}
		src[rel] = readFile(t, rel)
	}
	return src
}

func TestReadmeGoSnippets(t *testing.T) {
	t.Parallel()
	snippets := fencedBlocks(readFile(t, "README.md"), "go")
	if len(snippets) == 0 {
		t.Fatal("README.md has no Go snippets")
	}
	sources := snippetSources(t)
	for _, snippet := range snippets {
		found := false
		for _, src := range sources {
			if containsBlock(src, snippet) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("this README snippet is in no example (*/example*_test.go, examples/*/main.go):\n%s", snippet)
		}
	}
}

func TestReadmeCommands(t *testing.T) {
	t.Parallel()
	readme := readFile(t, "README.md")
	var commands []string
	for _, block := range fencedBlocks(readme, "sh") {
		for line := range strings.Lines(block) {
			if i := strings.Index(line, "#"); i >= 0 {
				line = line[:i]
			}
			if line = strings.TrimSpace(line); line != "" {
				commands = append(commands, line)
			}
		}
	}
	for _, m := range regexp.MustCompile("`((?:make|go) [^`]+)`").FindAllStringSubmatch(readme, -1) {
		commands = append(commands, m[1])
	}
	if !slices.Contains(commands, "make demo") || !slices.Contains(commands, "make test") {
		t.Errorf("README.md lacks the commands make demo and make test; it has %q", commands)
	}
	c := newCommandChecker(t)
	for _, cmd := range commands {
		if err := c.check(cmd); err != "" {
			t.Errorf("README command %q: %s", cmd, err)
		}
	}
}

// commandChecker knows what the README's commands may name.
type commandChecker struct {
	module   string   // the module path
	makefile string   // the Makefile's text
	envVars  []string // the environment variables commands may set
}

func newCommandChecker(t *testing.T) *commandChecker {
	m := regexp.MustCompile(`(?m)^module (\S+)$`).FindStringSubmatch(readFile(t, "go.mod"))
	if m == nil {
		t.Fatal("go.mod has no module line")
	}
	return &commandChecker{
		module:   m[1],
		makefile: readFile(t, "Makefile"),
		envVars:  []string{"AZURE_KEYVAULT_URL"},
	}
}

// check returns what is wrong with cmd, or "".
func (c *commandChecker) check(cmd string) string {
	args := strings.Fields(cmd)
	for len(args) > 0 && strings.Contains(args[0], "=") {
		name, _, _ := strings.Cut(args[0], "=")
		if !slices.Contains(c.envVars, name) {
			return "sets " + name + ", which no example reads"
		}
		args = args[1:]
	}
	switch {
	case len(args) >= 2 && args[0] == "make":
		for _, a := range args[1:] {
			if name, _, ok := strings.Cut(a, "="); ok {
				if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` \??=`).MatchString(c.makefile) {
					return "the Makefile has no variable " + name
				}
			} else if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(a) + `:`).MatchString(c.makefile) {
				return "the Makefile has no target " + a
			}
		}
		return ""
	case len(args) == 3 && args[0] == "go" && args[1] == "get":
		if args[2] != c.module {
			return "the module is " + c.module
		}
		return ""
	case len(args) >= 3 && args[0] == "go" && args[1] == "run" && strings.HasPrefix(args[2], "./"):
		return checkMain(args[2], args[3:])
	case slices.Contains([]string{"go mod vendor", "go test ./...", "go generate ./..."}, strings.Join(args, " ")):
		// go mod vendor: TestReadmeVendoring; the others: make test, make generate.
		return ""
	}
	return "no test checks this kind of command; add a check to examples/readme_test.go"
}

// checkMain checks that dir holds a main package that defines every flag
// in args.
func checkMain(dir string, args []string) string {
	data, err := os.ReadFile(filepath.Join(root, dir, "main.go"))
	if err != nil || !strings.Contains(string(data), "\npackage main\n") {
		return dir + " is not a main package"
	}
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if (name == "h" || name == "help") && strings.Contains(string(data), "\t\"flag\"\n") {
			continue // package flag defines -h and -help
		}
		if !strings.Contains(string(data), `"`+name+`"`) {
			return dir + " defines no flag -" + name
		}
	}
	return ""
}

// Every file and folder of this repository that the README links to or
// names in code spans exists: a link's target, and a span that starts with
// one of the repository's top-level folders, such as `gen/wire.go` or
// `gen/*.gen.go` (a pattern matches something; a trailing /... is the folder).
func TestReadmePaths(t *testing.T) {
	t.Parallel()
	readme := readFile(t, "README.md")
	var paths []string
	prose := regexp.MustCompile("(?s)```.*?```").ReplaceAllString(readme, "") // Go code such as AsType[T](err) is no link
	for _, m := range regexp.MustCompile(`\]\(([^)#]+)\)`).FindAllStringSubmatch(prose, -1) {
		if !strings.Contains(m[1], "://") {
			paths = append(paths, m[1])
		}
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile("`([a-z]+/[^` ]*)`").FindAllStringSubmatch(readme, -1) {
		first, _, _ := strings.Cut(m[1], "/")
		if slices.ContainsFunc(entries, func(e fs.DirEntry) bool { return e.IsDir() && e.Name() == first }) {
			paths = append(paths, strings.TrimSuffix(m[1], "/..."))
		}
	}
	if len(paths) == 0 {
		t.Fatal("found no paths in README.md")
	}
	for _, p := range paths {
		if matches, err := filepath.Glob(filepath.Join(root, p)); err != nil || len(matches) == 0 {
			t.Errorf("README.md names %s, which does not exist", p)
		}
	}
}

// Every example program is mentioned in the README and run by a test.
func TestEveryExampleIsTested(t *testing.T) {
	t.Parallel()
	readme := readFile(t, "README.md")
	mains, err := filepath.Glob(filepath.Join(root, "examples", "*", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	if len(mains) == 0 {
		t.Fatal("no examples found")
	}
	for _, m := range mains {
		dir := filepath.Base(filepath.Dir(m))
		if !strings.Contains(readme, "examples/"+dir) {
			t.Errorf("README.md does not mention examples/%s", dir)
		}
		test, err := os.ReadFile(filepath.Join(filepath.Dir(m), "main_test.go"))
		if err != nil || !strings.Contains(string(test), "exampletest.Run(t, run,") {
			t.Errorf("examples/%s/main_test.go does not run the example with exampletest.Run", dir)
		}
	}
}

// fencedBlocks returns the contents of the Markdown code blocks of text
// fenced as ```lang.
func fencedBlocks(text, lang string) []string {
	var blocks []string
	var cur []string
	in := false
	for line := range strings.Lines(text) {
		trimmed := strings.TrimSpace(line)
		switch {
		case !in && trimmed == "```"+lang:
			in, cur = true, nil
		case in && trimmed == "```":
			in = false
			blocks = append(blocks, strings.Join(cur, ""))
		case in:
			cur = append(cur, line)
		}
	}
	return blocks
}

// containsBlock reports whether src holds the lines of snippet in a row,
// each indented by the same extra tabs (a snippet is usually the body of a
// function).
func containsBlock(src, snippet string) bool {
	want := strings.Split(strings.TrimRight(snippet, "\n"), "\n")
	lines := strings.Split(src, "\n")
	for i, line := range lines {
		indent, ok := strings.CutSuffix(line, want[0])
		if !ok || strings.Trim(indent, "\t") != "" || len(lines)-i < len(want) {
			continue
		}
		match := true
		for j, w := range want {
			if got := lines[i+j]; got != indent+w && (w != "" || got != "") {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

func readFile(t *testing.T, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
