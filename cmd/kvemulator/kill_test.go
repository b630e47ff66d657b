//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/internal/testcert"
)

// killRounds is how many times TestKillKeepsAcknowledgedWrites kills the
// emulator in the middle of a burst.
const killRounds = 5

// TestKillKeepsAcknowledgedWrites builds the binary, and in each round
// starts it on one state file, imports certificates from several
// goroutines at once, kills it with SIGKILL after a random number of
// imports were answered (more are in flight), leaves what a crash can leave
// (a temporary file, and in some rounds a journal write cut short), and
// starts it again. Every import answered 2xx in any round must be there;
// an import in flight at the kill may or may not be.
func TestKillKeepsAcknowledgedWrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "kvemulator")
	if out, err := exec.CommandContext(t.Context(), "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	state := filepath.Join(dir, "vault.json")
	bundle := importBundle(t)

	acked := map[string]bool{}     // answered 2xx, in every round so far
	attempted := map[string]bool{} // sent, whatever the answer
	totalAcked, totalInFlight := 0, 0
	for round := range killRounds {
		p := startBinary(t, bin, dir)
		if round > 0 && !strings.Contains(p.banner, state+" (loaded)") {
			t.Fatalf("round %d: the emulator did not load its state:\n%s", round, p.banner)
		}
		recovered := p.list(t)
		checkRecovered(t, round, recovered, acked, attempted)
		if len(recovered) < len(acked) {
			t.Fatalf("round %d: %d certificates recovered, %d acknowledged", round, len(recovered), len(acked))
		}

		// The burst: workers import until the kill breaks their connections.
		killAfter := 40 + mrand.IntN(120)
		var (
			mu       sync.Mutex
			ackedNow []string
			inFlight int
			wg       sync.WaitGroup
		)
		kill := sync.OnceFunc(func() {
			if err := p.cmd.Process.Kill(); err != nil {
				t.Errorf("kill: %v", err)
			}
		})
		for w := range 8 {
			wg.Go(func() {
				for i := 0; ; i++ {
					name := fmt.Sprintf("r%d-w%d-%d", round, w, i)
					mu.Lock()
					attempted[name] = true
					mu.Unlock()
					status, err := p.importCertificate(name, bundle)
					mu.Lock()
					switch {
					case err != nil:
						inFlight++
						mu.Unlock()
						return
					case status != http.StatusOK:
						mu.Unlock()
						t.Errorf("import %s: status %d", name, status)
						kill()
						return
					}
					ackedNow = append(ackedNow, name)
					n := len(ackedNow)
					mu.Unlock()
					if n >= killAfter {
						kill()
					}
				}
			})
		}
		wg.Wait()
		<-p.done
		for _, name := range ackedNow {
			acked[name] = true
		}
		totalAcked += len(ackedNow)
		totalInFlight += inFlight
		t.Logf("round %d: killed after %d imports were answered, %d in flight; %d acknowledged in all rounds",
			round, len(ackedNow), inFlight, len(acked))

		// What else a crash leaves: a temporary file of a fold, and a
		// journal write cut short.
		if err := os.WriteFile(filepath.Join(dir, ".vault.json.tmp-killed"), []byte("{partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		if round%2 == 1 {
			f, err := os.OpenFile(state+".journal", os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Write([]byte{0, 0, 0x10, 0, 0xde, 0xad, 0xbe, 0xef, '{', '"', 'c'}); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
	}

	p := startBinary(t, bin, dir)
	recovered := p.list(t)
	checkRecovered(t, killRounds, recovered, acked, attempted)
	t.Logf("%d rounds: %d imports acknowledged, %d recovered, %d in flight at the kills", killRounds, totalAcked, len(recovered), totalInFlight)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left after a restart", e.Name())
		}
	}
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	<-p.done
	if p.waitErr != nil {
		t.Errorf("stop after SIGINT: %v", p.waitErr)
	}
}

// checkRecovered fails unless every acknowledged name was recovered and
// every recovered name was sent.
func checkRecovered(t *testing.T, round int, recovered []string, acked, attempted map[string]bool) {
	t.Helper()
	have := map[string]bool{}
	for _, n := range recovered {
		have[n] = true
		if !attempted[n] {
			t.Errorf("round %d: recovered %s, which was never sent", round, n)
		}
	}
	var lost []string
	for n := range acked {
		if !have[n] {
			lost = append(lost, n)
		}
	}
	slices.Sort(lost)
	if len(lost) > 0 {
		t.Fatalf("round %d: %d of %d acknowledged imports lost: %v", round, len(lost), len(acked), lost)
	}
}

// binary is a running kvemulator.
type binary struct {
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	banner  string
	url     string
	hc      *http.Client
}

var servingRE = regexp.MustCompile(`serving vault (\S+)`)

// startBinary runs bin with its state and CA in dir and any bearer token
// accepted, and reads its banner.
func startBinary(t *testing.T, bin, dir string) *binary {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0", "-lenient-auth",
		"-ca-out", filepath.Join(dir, "ca.pem"), "-state", filepath.Join(dir, "vault.json"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &binary{cmd: cmd, done: make(chan struct{})}
	t.Cleanup(func() {
		cancel()
		<-p.done
	})
	sc := bufio.NewScanner(stdout)
	var banner strings.Builder
	for sc.Scan() {
		banner.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "Stop with") {
			break
		}
	}
	p.banner = banner.String()
	go func() {
		_, _ = io.Copy(io.Discard, stdout)
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	m := servingRE.FindStringSubmatch(p.banner)
	if m == nil {
		cancel()
		<-p.done
		t.Fatalf("no vault URL in the banner:\n%s\nstderr:\n%s", p.banner, stderr.String())
	}
	p.url = m[1]
	ca, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca)
	var d net.Dialer
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			return d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
		},
		MaxIdleConnsPerHost: 16,
	}
	t.Cleanup(tr.CloseIdleConnections)
	p.hc = &http.Client{Transport: tr}
	return p
}

func (p *binary) do(method, url string, body any) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer any")
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

func (p *binary) importCertificate(name, bundle string) (int, error) {
	status, _, err := p.do(http.MethodPost, p.url+"/certificates/"+name+"/import?api-version="+gen.APIVersion,
		gen.CertificateImportParameters{Base64EncodedCertificate: bundle,
			CertificatePolicy: gen.CertificatePolicy{SecretProperties: gen.SecretProperties{ContentType: "application/x-pem-file"}}})
	return status, err
}

// list returns the names of every certificate, following next links.
func (p *binary) list(t *testing.T) []string {
	t.Helper()
	var names []string
	next := p.url + "/certificates?maxresults=25&api-version=" + gen.APIVersion
	for next != "" {
		status, body, err := p.do(http.MethodGet, next, nil)
		if err != nil || status != http.StatusOK {
			t.Fatalf("list: %d %v %s", status, err, body)
		}
		var page gen.CertificateListResult
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Value {
			names = append(names, it.ID[strings.LastIndex(it.ID, "/")+1:])
		}
		next = page.NextLink
	}
	return names
}

// importBundle returns a self-signed EC certificate and its key in PEM.
func importBundle(t *testing.T) string {
	t.Helper()
	key := testcert.ECKey(t)
	cert := testcert.SelfSigned(t, testcert.Template{}, key)
	k, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})) +
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k}))
}
