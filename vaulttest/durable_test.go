package vaulttest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/internal/testcert"
)

// stateView is a vault's saved state in a form that does not depend on how
// keys and certificates are shared: each version and operation carries its
// key and chain, and the tables and journal generation are gone.
func stateView(t *testing.T, h *Handler) string {
	t.Helper()
	var buf bytes.Buffer
	if err := h.SaveState(&buf); err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(buf.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	// Private keys show as digests, so that a failure prints none.
	digest := func(v any) any {
		s, _ := v.(string)
		sum := sha256.Sum256([]byte(s))
		return "sha256:" + hex.EncodeToString(sum[:8])
	}
	keys, _ := st["keys"].([]any)
	for i, k := range keys {
		keys[i] = digest(k)
	}
	for _, f := range []string{"caKey", "tokenKey", "backupKey"} {
		st[f] = digest(st[f])
	}
	ders, _ := st["ders"].([]any)
	var inline func(any)
	inline = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			if k, ok := x["key"].(float64); ok {
				x["key"] = keys[int(k)]
			}
			if chain, ok := x["chain"].([]any); ok {
				for i, d := range chain {
					chain[i] = ders[int(d.(float64))]
				}
			}
			for _, v := range x {
				inline(v)
			}
		case []any:
			for _, v := range x {
				inline(v)
			}
		}
	}
	for _, f := range []string{"certificates", "deleted"} {
		inline(st[f])
	}
	delete(st, "keys")
	delete(st, "ders")
	delete(st, "journal")
	out, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// crashCopy copies the state file and journal of dir as they are on disk
// now, which is what survives SIGKILL at this moment, to a new directory,
// and returns the new state file's path.
func crashCopy(t *testing.T, dir string) string {
	t.Helper()
	to := t.TempDir()
	for _, name := range []string{"vault.json", "vault.json.journal"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(to, "vault.json")
}

// restartFrom starts a server from the state file at path, on the clock of
// h, and closes it when the test ends.
func restartFrom(t *testing.T, h *harness, path string) *Server {
	t.Helper()
	srv, err := Start(WithClock(h.clock.Now), WithStateFile(path))
	if err != nil {
		t.Fatalf("restart from %s: %v", path, err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// TestStateFileKeepsEveryAcknowledgedWrite makes every kind of change the
// emulator acknowledges and, after each, copies the files as a SIGKILL
// would leave them and starts a server from the copy: it must hold the
// same vault. With fold=each, the journal is folded into the state file
// after every write, so the fold's own steps are crossed too.
func TestStateFileKeepsEveryAcknowledgedWrite(t *testing.T) {
	t.Parallel()
	for _, fold := range []string{"never", "each"} {
		t.Run("fold="+fold, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			h := newHarness(t, WithStateFile(filepath.Join(dir, "vault.json")))
			if fold == "each" {
				h.srv.store.mu.Lock()
				h.srv.store.limit = 0
				h.srv.store.mu.Unlock()
			}
			key := ecKey(t)
			bundle := pemBundle(t, key, leafWithCA(t, key)...)
			pemPolicy := gen.CertificatePolicy{SecretProperties: gen.SecretProperties{ContentType: contentPEM}}
			var blob gen.Base64URL
			steps := []struct {
				name string
				do   func()
			}{
				{"create", func() { h.createDone("made") }},
				{"import", func() {
					h.call("POST", "/certificates/imported/import", gen.CertificateImportParameters{
						Base64EncodedCertificate: bundle, CertificatePolicy: pemPolicy,
						Tags: map[string]string{"k": "v"},
					}, http.StatusOK, nil)
				}},
				{"update", func() {
					h.call("PATCH", "/certificates/made/", gen.CertificateUpdateParameters{
						Tags: map[string]string{"env": "test"}, CertificateAttributes: gen.CertificateAttributes{Enabled: new(false)},
					}, http.StatusOK, nil)
				}},
				{"update policy", func() {
					h.call("PATCH", "/certificates/made/policy", gen.CertificatePolicy{
						X509CertificateProperties: gen.X509CertificateProperties{ValidityInMonths: 6},
					}, http.StatusOK, nil)
				}},
				{"new version", func() { h.createDone("made") }},
				{"pending create", func() { h.create("waiting", unknownPolicy("CN=waiting")) }},
				{"cancel", func() {
					h.call("PATCH", "/certificates/waiting/pending", gen.CertificateOperationUpdateParameter{CancellationRequested: true}, http.StatusOK, nil)
				}},
				{"delete operation", func() { h.call("DELETE", "/certificates/waiting/pending", nil, http.StatusOK, nil) }},
				{"merge", func() {
					op := h.create("merged", unknownPolicy("CN=merged"))
					leaf := newExternalCA(t).SignCSR(t, op.Csr, testcert.Template{}).Raw
					h.call("POST", "/certificates/merged/pending/merge", gen.CertificateMergeParameters{X509Certificates: [][]byte{leaf}}, http.StatusCreated, nil)
				}},
				{"backup", func() { blob = backup(h, "imported") }},
				{"delete", func() { h.call("DELETE", "/certificates/imported", nil, http.StatusOK, nil) }},
				{"purge", func() { h.call("DELETE", "/deletedcertificates/imported", nil, http.StatusNoContent, nil) }},
				{"restore", func() {
					h.call("POST", "/certificates/restore", gen.CertificateRestoreParameters{CertificateBundleBackup: blob}, http.StatusOK, nil)
				}},
				{"delete again", func() { h.call("DELETE", "/certificates/made", nil, http.StatusOK, nil) }},
				{"recover", func() { h.call("POST", "/deletedcertificates/made/recover", nil, http.StatusOK, nil) }},
				{"set issuer", func() {
					h.call("PUT", "/certificates/issuers/Iss", gen.CertificateIssuerSetParameters{
						Provider: "Test", Credentials: gen.IssuerCredentials{AccountID: "id", Password: "pw"},
					}, http.StatusOK, nil)
				}},
				{"update issuer", func() {
					h.call("PATCH", "/certificates/issuers/iss", gen.CertificateIssuerUpdateParameters{Provider: "Other"}, http.StatusOK, nil)
				}},
				{"second issuer", func() {
					h.call("PUT", "/certificates/issuers/two", gen.CertificateIssuerSetParameters{Provider: "Test"}, http.StatusOK, nil)
				}},
				{"delete issuer", func() { h.call("DELETE", "/certificates/issuers/two", nil, http.StatusOK, nil) }},
				{"set contacts", func() {
					h.call("PUT", "/certificates/contacts", gen.Contacts{ContactList: []gen.Contact{{EmailAddress: "a@example.com"}}}, http.StatusOK, nil)
				}},
				{"delete contacts", func() { h.call("DELETE", "/certificates/contacts", nil, http.StatusOK, nil) }},
				{"empty contacts", func() {
					h.call("PUT", "/certificates/contacts", gen.Contacts{ContactList: []gen.Contact{}}, http.StatusOK, nil)
				}},
				{"add certificate", func() {
					if _, err := h.srv.AddCertificate(SeedCertificate{Name: "added", Tags: map[string]string{"a": "b"}}); err != nil {
						t.Fatal(err)
					}
				}},
				{"seed a few", func() {
					if _, err := h.srv.Seed(3, &SeedOptions{Prefix: "few-"}); err != nil {
						t.Fatal(err)
					}
				}},
				{"seed many", func() {
					if _, err := h.srv.Seed(maxChangesPerRecord+1, &SeedOptions{Prefix: "many-", Deleted: true}); err != nil {
						t.Fatal(err)
					}
				}},
			}
			for _, step := range steps {
				step.do()
				copied := crashCopy(t, dir)
				want := stateView(t, h.srv.Handler)
				got := stateView(t, restartFrom(t, h, copied).Handler)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("after %s, the vault started from the files on disk differs (-acknowledged +recovered):\n%s", step.name, diff)
				}
			}
		})
	}
}

// TestStateFileCompletionOnRead shows that an operation that completes when
// a client reads it (a change no write request made) is on disk before the
// read is answered.
func TestStateFileCompletionOnRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := newHarness(t, WithStateFile(filepath.Join(dir, "vault.json")), WithDelays(Delays{Create: 10}))
	h.create("slow", selfPolicy("CN=slow"))
	h.clock.Advance(20)
	var items listPage[gen.CertificateItem]
	h.call("GET", "/certificates?includePending=true", nil, http.StatusOK, &items) // completes the create
	got := stateView(t, restartFrom(t, h, crashCopy(t, dir)).Handler)
	if diff := cmp.Diff(stateView(t, h.srv.Handler), got); diff != "" {
		t.Errorf("the completion on a list is not on disk (-memory +disk):\n%s", diff)
	}
	if !strings.Contains(got, `"status": "completed"`) {
		t.Errorf("the recovered operation is not completed:\n%s", got)
	}
}

// tornTails are the ways a journal write cut short by a crash, never
// acknowledged, can end the journal.
var tornTails = map[string]func(record []byte) []byte{
	"half a header":  func(r []byte) []byte { return r[:journalHeaderSize/2] },
	"header only":    func(r []byte) []byte { return r[:journalHeaderSize] },
	"half a payload": func(r []byte) []byte { return r[:journalHeaderSize+(len(r)-journalHeaderSize)/2] },
	"bad checksum": func(r []byte) []byte {
		r = slices.Clone(r)
		r[len(r)-1] ^= 0xff
		return r
	},
	"huge length": func(r []byte) []byte {
		r = slices.Clone(r)
		r[0] = 0xff
		return r
	},
	"zeros after power loss": func(r []byte) []byte { return make([]byte, len(r)) },
}

// TestStateFileTornTail starts from a journal whose last write was cut
// short: the start succeeds with every acknowledged write, drops the torn
// one, and writes after it survive the next crash too.
func TestStateFileTornTail(t *testing.T) {
	t.Parallel()
	for name, tear := range tornTails {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			h := newHarness(t, WithStateFile(filepath.Join(dir, "vault.json")))
			h.createDone("kept")
			want := stateView(t, h.srv.Handler)

			copied := crashCopy(t, dir)
			payload, err := json.Marshal(journalRecord{Changes: []change{{Contacts: true, State: &stateFile{Contacts: []gen.Contact{{Name: "torn"}}}}}})
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(copied+".journal", os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Write(tear(frame(payload))); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}

			b := restartFrom(t, h, copied)
			if diff := cmp.Diff(want, stateView(t, b.Handler)); diff != "" {
				t.Fatalf("after a torn tail (-acknowledged +recovered):\n%s", diff)
			}
			// The torn bytes are gone, so a write after them is read back.
			if _, err := b.AddCertificate(SeedCertificate{Name: "after"}); err != nil {
				t.Fatal(err)
			}
			again := restartFrom(t, h, crashCopy(t, filepath.Dir(copied)))
			if diff := cmp.Diff(stateView(t, b.Handler), stateView(t, again.Handler)); diff != "" {
				t.Errorf("a write after the torn tail (-acknowledged +recovered):\n%s", diff)
			}
		})
	}
}

// TestStateFileRefusesDamage refuses to start from a journal that holds
// what the emulator never writes, rather than guess.
func TestStateFileRefusesDamage(t *testing.T) {
	t.Parallel()
	cert := "made"
	tests := map[string]struct {
		records [][]byte // appended after the journal's header
		header  []byte   // replaces the journal's header, if set
		want    string
	}{
		"not JSON":               {records: [][]byte{[]byte("{not json")}, want: "not valid JSON"},
		"second header":          {records: [][]byte{[]byte(`{"format":"` + journalFormat + `","generation":1}`)}, want: "second header"},
		"change naming nothing":  {records: [][]byte{[]byte(`{"changes":[{"state":{}}]}`)}, want: "names no record"},
		"change without state":   {records: [][]byte{[]byte(`{"changes":[{"contacts":true}]}`)}, want: "without state"},
		"certificate elsewhere":  {records: [][]byte{[]byte(`{"changes":[{"certificate":"other","state":` + string(mustStateOf(t, cert)) + `}]}`)}, want: "holds certificate"},
		"bad key":                {records: [][]byte{[]byte(`{"changes":[{"certificate":"x","state":{"keys":["AAAA"]}}]}`)}, want: "state key 0"},
		"other format":           {header: []byte(`{"format":"something/9","generation":1}`), want: "journal format"},
		"newer than state file":  {header: []byte(`{"format":"` + journalFormat + `","generation":99}`), want: "newer than the state file"},
		"header without version": {header: []byte(`{"format":"` + journalFormat + `"}`), want: "no generation"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "vault.json")
			srv, err := Start(WithStateFile(path))
			if err != nil {
				t.Fatal(err)
			}
			srv.Close()
			journal := path + ".journal"
			data, err := os.ReadFile(journal)
			if err != nil {
				t.Fatal(err)
			}
			if tt.header != nil {
				data = frame(tt.header)
			}
			for _, r := range tt.records {
				data = append(data, frame(r)...)
			}
			if err := os.WriteFile(journal, data, 0o600); err != nil {
				t.Fatal(err)
			}
			srv, err = Start(WithStateFile(path))
			if err == nil {
				srv.Close()
				t.Fatalf("Start succeeded, want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Start: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// mustStateOf returns a one-certificate state, as a journal change holds.
func mustStateOf(t *testing.T, name string) []byte {
	t.Helper()
	h := newHarness(t)
	h.createDone(name)
	v := h.srv.vault
	v.mu.Lock()
	ch, err := v.change(certificateRecord(name))
	v.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(ch.State)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestStateFileIgnoresOlderJournal starts from a state file whose fold
// stopped before it replaced the journal: the old journal's changes are in
// the state file already, and replaying them would undo later ones.
func TestStateFileIgnoresOlderJournal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "vault.json")
	h := newHarness(t, WithStateFile(path))
	h.createDone("gone-later")
	old, err := os.ReadFile(path + ".journal")
	if err != nil {
		t.Fatal(err)
	}
	h.call("DELETE", "/certificates/gone-later", nil, http.StatusOK, nil)
	h.srv.Close() // folds: the state file names the next generation
	want := stateView(t, h.srv.Handler)
	if err := os.WriteFile(path+".journal", old, 0o600); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, stateView(t, restartFrom(t, h, path).Handler)); diff != "" {
		t.Errorf("an older journal was replayed (-want +got):\n%s", diff)
	}
}

// TestStateFileCleansUp removes the temporary files a crash left beside
// the state file and its journal, and nothing else; a clean stop leaves
// the state file, an empty journal and the lock file.
func TestStateFileCleansUp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "vault.json")
	stale := []string{".vault.json.tmp-123", ".vault.json.journal.tmp-4"}
	others := []string{".other.json.tmp-1", "vault.json.tmp-1", "notes.txt"}
	for _, name := range append(slices.Clone(stale), others...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := Start(WithStateFile(path))
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(e.Name(), "vault.json") && info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", e.Name(), info.Mode().Perm())
		}
	}
	want := append([]string{"vault.json", "vault.json.journal", "vault.json.lock"}, others...)
	slices.Sort(want)
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("files after a start and stop (-want +got):\n%s", diff)
	}
	data, err := os.ReadFile(path + ".journal")
	if err != nil {
		t.Fatal(err)
	}
	records, torn, err := readJournal(data)
	if err != nil || torn != 0 || len(records) != 1 {
		t.Errorf("journal after a clean stop: %d records, %d torn bytes, %v; want the header alone", len(records), torn, err)
	}
}

// TestStateFileOneServer refuses a second server on a state file in use,
// and allows it once the first has closed.
func TestStateFileOneServer(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "vault.json")
	first, err := Start(WithStateFile(path))
	if err != nil {
		t.Fatal(err)
	}
	if second, err := Start(WithStateFile(path)); err == nil {
		second.Close()
		first.Close()
		t.Fatal("a second server started on a state file in use")
	} else if !strings.Contains(err.Error(), "in use") {
		t.Errorf("second Start: %v, want an error saying the file is in use", err)
	}
	first.Close()
	again, err := Start(WithStateFile(path))
	if err != nil {
		t.Fatalf("Start after Close: %v", err)
	}
	again.Close()
}

// TestStateFileWriteFails answers a write that cannot be made durable with
// 500, never with a success.
func TestStateFileWriteFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "vault.json")
	h := newHarness(t, WithStateFile(path))
	h.createDone("before")
	s := h.srv.store
	s.mu.Lock()
	readOnly, err := os.Open(path + ".journal")
	if err != nil {
		s.mu.Unlock()
		t.Fatal(err)
	}
	s.journal.Close()
	s.journal = readOnly
	s.mu.Unlock()
	h.fail("PATCH", "/certificates/before/", gen.CertificateUpdateParameters{Tags: map[string]string{"a": "b"}},
		http.StatusInternalServerError, "InternalServerError", "")
	h.fail("POST", "/certificates/lost/create", gen.CertificateCreateParameters{CertificatePolicy: selfPolicy("CN=lost")},
		http.StatusInternalServerError, "InternalServerError", "")
}

// TestStateFileOptions checks where WithStateFile applies and what goes
// with it.
func TestStateFileOptions(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "vault.json")
	if _, err := NewHandler(WithStateFile(path)); err == nil || !strings.Contains(err.Error(), "WithStateFile") {
		t.Errorf("NewHandler(WithStateFile): %v, want an error naming the option", err)
	}
	if _, err := Start(WithStateFile("")); err == nil {
		t.Error("WithStateFile(\"\") succeeded")
	}
	if _, err := Start(WithStateFile(path), WithState(strings.NewReader("{}"))); err == nil || !strings.Contains(err.Error(), "do not go together") {
		t.Errorf("WithState with WithStateFile: %v, want an error", err)
	}
	if _, err := Start(WithStateFile(filepath.Join(t.TempDir(), "missing", "vault.json"))); err == nil {
		t.Error("WithStateFile in a missing directory succeeded")
	}
	// The state file is a SaveState document that WithState reads.
	srv, err := Start(WithStateFile(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.AddCertificate(SeedCertificate{Name: "kept"}); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Start(WithState(bytes.NewReader(data)))
	if err != nil {
		t.Fatalf("WithState(state file): %v", err)
	}
	defer plain.Close()
	if diff := cmp.Diff(stateView(t, srv.Handler), stateView(t, plain.Handler)); diff != "" {
		t.Errorf("WithState of the state file (-want +got):\n%s", diff)
	}
}

// TestStateFileLoadState writes what LoadState loads to the state file.
func TestStateFileLoadState(t *testing.T) {
	t.Parallel()
	_, saved := populated(t)
	dir := t.TempDir()
	h := newHarness(t, WithStateFile(filepath.Join(dir, "vault.json")))
	if err := h.srv.LoadState(bytes.NewReader(saved)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(stateView(t, h.srv.Handler), stateView(t, restartFrom(t, h, crashCopy(t, dir)).Handler)); diff != "" {
		t.Errorf("LoadState is not on disk (-memory +disk):\n%s", diff)
	}
}

// BenchmarkDurableWrite measures one write made durable: a PATCH of a
// certificate's tags answered only once it is synced to the journal, and
// an import of a new certificate, in a vault that grows by one certificate
// each time (the cost must not grow with the vault). state=memory is the
// same write without a state file.
func BenchmarkDurableWrite(b *testing.B) {
	key := testcert.ECKey(b)
	for _, state := range []string{"memory", "file"} {
		for _, op := range []string{"update", "import"} {
			b.Run("state="+state+"/op="+op, func(b *testing.B) {
				opts := []Option{WithRequestLogSize(0)}
				if state == "file" {
					opts = append(opts, WithStateFile(filepath.Join(b.TempDir(), "vault.json")))
				}
				srv, err := Start(opts...)
				if err != nil {
					b.Fatal(err)
				}
				defer srv.Close()
				if _, err := srv.AddCertificate(SeedCertificate{Name: "bench", Key: key}); err != nil {
					b.Fatal(err)
				}
				tok, err := srv.TokenSource().Token()
				if err != nil {
					b.Fatal(err)
				}
				bundle := benchBundle(b, key)
				i := 0
				for b.Loop() {
					i++
					var method, path string
					var body any
					if op == "update" {
						method, path = http.MethodPatch, "/certificates/bench/"
						body = gen.CertificateUpdateParameters{Tags: map[string]string{"n": string(rune('a' + i%26))}}
					} else {
						method, path = http.MethodPost, fmt.Sprintf("/certificates/imp-%d/import", i)
						body = gen.CertificateImportParameters{Base64EncodedCertificate: bundle,
							CertificatePolicy: gen.CertificatePolicy{SecretProperties: gen.SecretProperties{ContentType: contentPEM}}}
					}
					if status := send(b, srv, tok.AccessToken, method, path, body); status != http.StatusOK {
						b.Fatalf("%s %s: %d", method, path, status)
					}
				}
			})
		}
	}
}

// benchBundle returns a self-signed certificate for key and the key, in
// PEM.
func benchBundle(b *testing.B, key *ecdsa.PrivateKey) string {
	b.Helper()
	cert := testcert.SelfSigned(b, testcert.Template{}, key)
	k, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		b.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})) +
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k}))
}

// send makes one request to srv and returns its status.
func send(b *testing.B, srv *Server, token, method, path string, body any) int {
	b.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		b.Fatal(err)
	}
	req, err := http.NewRequest(method, srv.URL+path+"?api-version="+gen.APIVersion, bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// TestStateFileKeepsTheClock moves the clock past lifetime actions (an
// e-mail and renewals, one of them waiting for a merge) and restarts from
// the files a crash leaves: the clock runs as far ahead as before, and no
// action runs twice.
func TestStateFileKeepsTheClock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := newHarness(t, WithStateFile(filepath.Join(dir, "vault.json")))
	h.create("renewed", renewPolicy("CN=renewed", 1,
		atPercent(50, gen.CertificatePolicyActionAutoRenew), daysBefore(5, gen.CertificatePolicyActionEmailContacts)))
	h.call("GET", "/certificates/renewed/", nil, http.StatusOK, nil)
	waiting := renewPolicy("CN=waiting", 1, atPercent(50, gen.CertificatePolicyActionAutoRenew))
	waiting.IssuerParameters.Name = "Unknown"
	op := h.create("waiting", waiting)
	leaf := newExternalCA(t).SignCSR(t, op.Csr, testcert.Template{NotAfter: h.srv.Now().AddDate(0, 1, 0)}).Raw
	h.call("POST", "/certificates/waiting/pending/merge", gen.CertificateMergeParameters{X509Certificates: [][]byte{leaf}}, http.StatusCreated, nil)
	h.advance(40 * 24 * time.Hour)

	b := restartFrom(t, h, crashCopy(t, dir))
	if got, want := b.Now(), h.srv.Now(); !got.Equal(want) {
		t.Errorf("the restarted clock reads %v, want %v", got, want)
	}
	want := stateView(t, h.srv.Handler)
	if diff := cmp.Diff(want, stateView(t, b.Handler)); diff != "" {
		t.Fatalf("after moving the clock (-acknowledged +recovered):\n%s", diff)
	}
	if !strings.Contains(want, `"fired"`) || !strings.Contains(want, `"renewal": true`) {
		t.Errorf("the state holds no fired action or pending renewal:\n%s", want)
	}
	// Nothing due runs again on the restarted server.
	if _, err := b.Advance(0); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, stateView(t, b.Handler)); diff != "" {
		t.Errorf("actions ran again after the restart (-before +after):\n%s", diff)
	}
}
