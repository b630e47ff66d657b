package examples_test

import (
	"bufio"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// consumerMain is a program that uses the two packages a user imports.
// It is only built, never run.
const consumerMain = `package main

import (
	"context"
	"fmt"
	"os"

	"github.com/kvcerts/kvcerts/auth"
	"github.com/kvcerts/kvcerts/client"
)

func main() {
	cred, err := auth.Default(context.Background(), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	c, err := client.New(os.Args[1], cred)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(c.VaultURL())
}
`

// vendoredModules returns the modules of a vendor/modules.txt that provide
// packages, and the size of the vendor directory in bytes.
func vendoredModules(t *testing.T, vendor string) (mods []string, size int64) {
	t.Helper()
	f, err := os.Open(filepath.Join(vendor, "modules.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cur string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# "):
			cur = strings.Fields(line)[1]
		case line != "" && !strings.HasPrefix(line, "#") && cur != "" && !slices.Contains(mods, cur):
			mods = append(mods, cur) // a package of cur
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(vendor, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		size += info.Size()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(mods)
	return mods, size
}

// readmeSection returns the text of the README section under heading.
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	readme := readFile(t, "README.md")
	_, after, ok := strings.Cut(readme, "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no section %q", heading)
	}
	if i := strings.Index(after, "\n## "); i >= 0 {
		after = after[:i]
	}
	return after
}

// listedModules returns the module paths of a section's bullet list: the
// backquoted words of its "- " lines.
func listedModules(section string) []string {
	var mods []string
	quoted := regexp.MustCompile("`([^`]+)`")
	for line := range strings.Lines(section) {
		if !strings.HasPrefix(line, "- ") {
			continue
		}
		for _, m := range quoted.FindAllStringSubmatch(line, -1) {
			if !slices.Contains(mods, m[1]) {
				mods = append(mods, m[1])
			}
		}
	}
	slices.Sort(mods)
	return mods
}

const dependenciesHeading = "## Dependencies and vendoring"

// TestReadmeVendoring vendors a program that imports client and auth (as a
// user's would), builds it with -mod=vendor, and checks what the README
// says about it: the list of modules a consumer builds with, their number,
// and the size of vendor/. The module cache must hold the root module's
// dependencies (make test builds them first); nothing is downloaded.
func TestReadmeVendoring(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("vendors and builds a consumer of the module")
	}
	section := readmeSection(t, dependenciesHeading)
	repo, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	goMod := fmt.Sprintf("module example.com/consumer\n\ngo 1.26.0\n\nrequire github.com/kvcerts/kvcerts v0.0.0\n\nreplace github.com/kvcerts/kvcerts => %s\n", repo)
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum")) // the hashes tidy would fetch
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"go.mod": []byte(goMod), "go.sum": sum, "main.go": []byte(consumerMain)} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"mod", "tidy"}, {"mod", "vendor"}, {"build", "-mod=vendor", "-o", os.DevNull, "."}} {
		cmd := exec.CommandContext(t.Context(), "go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off", "GOPROXY=off", "GOTOOLCHAIN=local")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	mods, size := vendoredModules(t, filepath.Join(dir, "vendor"))
	mb := float64(size) / 1e6
	t.Logf("vendor/ holds %d modules, %.2f MB: %v", len(mods), mb, mods)

	if !slices.Contains(mods, "github.com/kvcerts/kvcerts") {
		t.Fatalf("vendor/ lacks the module itself: %v", mods)
	}
	others := slices.DeleteFunc(slices.Clone(mods), func(m string) bool { return m == "github.com/kvcerts/kvcerts" })
	if got := listedModules(section); !slices.Equal(got, others) {
		t.Errorf("README %q lists the modules %v; a consumer builds with %v", dependenciesHeading, got, others)
	}
	m := regexp.MustCompile(`holds (\d+) modules[^.]*?, ([0-9.]+) MB`).FindStringSubmatch(strings.Join(strings.Fields(section), " "))
	if m == nil {
		t.Fatalf("README %q does not say \"holds N modules ..., X MB\"; write: holds %d modules (kvcerts and the %d above), %.1f MB", dependenciesHeading, len(mods), len(others), mb)
	}
	n, _ := strconv.Atoi(m[1])
	said, _ := strconv.ParseFloat(m[2], 64)
	if n != len(mods) || math.Abs(said-mb) > max(0.1, mb/10) {
		t.Errorf("README says vendor/ holds %d modules, %.1f MB; measured %d modules, %.2f MB", n, said, len(mods), mb)
	}
}

func TestListedModules(t *testing.T) {
	t.Parallel()
	section := "Intro naming `not/listed`.\n\n- `b.example/m`: why\n- `a.example/x` and `b.example/m`: more\nafter `c.example`\n"
	if diff := slices.Compare(listedModules(section), []string{"a.example/x", "b.example/m"}); diff != 0 {
		t.Errorf("listedModules = %v", listedModules(section))
	}
}
