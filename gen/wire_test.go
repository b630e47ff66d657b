package gen

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestUnixTime(t *testing.T) {
	t.Parallel()
	when := time.Date(2017, 5, 4, 22, 53, 30, 0, time.UTC)
	u := NewUnixTime(when)
	if u != 1493938410 {
		t.Fatalf("NewUnixTime(%v) = %v, want 1493938410", when, u)
	}
	if got := u.Time(); !got.Equal(when) || got.Location() != time.UTC {
		t.Errorf("Time() = %v, want %v in UTC", got, when)
	}
	if NewUnixTime(time.Time{}) != 0 {
		t.Error("the zero time should stay unset")
	}
	var none UnixTime
	if !none.Time().IsZero() {
		t.Error("an unset UnixTime should give the zero time")
	}
	if got, _ := json.Marshal(CertificateAttributes{}); string(got) != `{}` {
		t.Errorf("unset times encode as %s, want {}", got)
	}
	var attrs CertificateAttributes
	if err := json.Unmarshal([]byte(`{"created":1493938410}`), &attrs); err != nil {
		t.Fatal(err)
	}
	if !attrs.Created.Time().Equal(when) {
		t.Errorf("created = %v", attrs.Created.Time())
	}
}

func TestBase64URL(t *testing.T) {
	t.Parallel()
	raw := []byte{0xfb, 0xff, 0xbf, 0x01}
	got, err := json.Marshal(Base64URL(raw))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `"-_-_AQ"` {
		t.Errorf("Marshal = %s, want unpadded base64url", got)
	}
	for _, in := range []string{`"-_-_AQ"`, `"-_-_AQ=="`} {
		var b Base64URL
		if err := json.Unmarshal([]byte(in), &b); err != nil || string(b) != string(raw) {
			t.Errorf("Unmarshal(%s) = %x, %v", in, b, err)
		}
	}
	for _, in := range []string{`"+/+/AQ"`, `42`, `"a"`, `"-_-_\u0041Q"`} {
		var b Base64URL
		if err := json.Unmarshal([]byte(in), &b); err == nil {
			t.Errorf("Unmarshal(%s) succeeded, want an error", in)
		}
	}
	b := Base64URL("keep")
	if err := json.Unmarshal([]byte(`null`), &b); err != nil || string(b) != "keep" {
		t.Errorf("null changed the value to %q (%v)", b, err)
	}
}

// FuzzBase64URL checks the in-place decoder against decoding the JSON
// string first: they agree on every document without a backslash, and one
// with a backslash is refused, since base64url text needs no escapes.
func FuzzBase64URL(f *testing.F) {
	for _, s := range []string{`"-_-_AQ"`, `"-_-_AQ=="`, `""`, `null`, `"+/"`, `"a"`, `42`, `"\u0041Q"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got Base64URL
		err := json.Unmarshal(data, &got)

		var s string
		refErr := json.Unmarshal(data, &s)
		var want []byte
		if refErr == nil {
			want, refErr = base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
		}
		if bytes.IndexByte(data, '\\') >= 0 {
			if err == nil {
				t.Fatalf("%q decoded to %x, but base64url text needs no escapes", data, got)
			}
			return
		}
		if (err == nil) != (refErr == nil) || (err == nil && !bytes.Equal(got, want)) {
			t.Fatalf("%q: decoded %x, %v; the reference gives %x, %v", data, got, err, want, refErr)
		}
	})
}

// Only doc.go documents the package: a package comment in another file,
// such as the one oapi-codegen writes, would be printed before it.
func TestOnlyDocGoDocumentsThePackage(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if hasDoc := f.Doc != nil; hasDoc != (name == "doc.go") {
			t.Errorf("%s: package comment present = %v, want it only in doc.go", name, hasDoc)
		}
	}
}
