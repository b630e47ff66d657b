//go:build unix

package interop

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/client"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// emulatorProcess is a running cmd/kvemulator binary and what its banner
// told us.
type emulatorProcess struct {
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited
	waitErr error         // Wait's result, once done
	output  *bytes.Buffer // all of stdout, complete once done
	banner  string

	vaultURL, authority, tenant, scope, tokenURL string
}

// bannerRE picks the settings for Azure SDKs out of the banner.
var bannerRE = regexp.MustCompile(`Azure SDKs: vault URL (\S+), authority host (\S+), tenant (\S+),`)

// startEmulator runs bin on a free loopback port with its CA written to and
// its state kept in dir, and reads its banner.
func startEmulator(t *testing.T, bin, dir string) *emulatorProcess {
	t.Helper()
	// The deadline kills a binary that hangs, ending the reads below.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0",
		"-ca-out", filepath.Join(dir, "ca.pem"), "-state", filepath.Join(dir, "vault.json"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start kvemulator: %v", err)
	}
	p := &emulatorProcess{cmd: cmd, done: make(chan struct{}), output: &bytes.Buffer{}}
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
	p.output.WriteString(p.banner)
	go func() {
		// Keep reading, so the binary never blocks on a full pipe.
		for sc.Scan() {
			p.output.WriteString(sc.Text() + "\n")
		}
		p.waitErr = cmd.Wait()
		close(p.done)
	}()

	m := bannerRE.FindStringSubmatch(p.banner)
	scope := regexp.MustCompile(`scope:\s+(\S+)`).FindStringSubmatch(p.banner)
	token := regexp.MustCompile(`token endpoint: (\S+)`).FindStringSubmatch(p.banner)
	if m == nil || scope == nil || token == nil {
		t.Fatalf("kvemulator banner lacks the vault URL, authority host, tenant, scope or token endpoint:\n%s\nstderr:\n%s", p.banner, stderr.String())
	}
	p.vaultURL, p.authority, p.tenant, p.scope, p.tokenURL = m[1], m[2], m[3], scope[1], token[1]
	return p
}

// stop sends sig (SIGINT or SIGTERM) and waits for a clean exit that
// reports saving the state.
func (p *emulatorProcess) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("%v: %v", sig, err)
	}
	<-p.done
	if p.waitErr != nil {
		t.Fatalf("kvemulator exit after %v: %v\n%s", sig, p.waitErr, p.output.String())
	}
	if !strings.Contains(p.output.String(), "state saved to") {
		t.Errorf("kvemulator did not report saving its state after %v:\n%s", sig, p.output.String())
	}
}

// httpClient trusts the CA the binary wrote and reaches its host names,
// which need no DNS under .localhost, on loopback.
func (p *emulatorProcess) httpClient(t *testing.T, caFile string) *http.Client {
	t.Helper()
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		t.Fatalf("%s holds no PEM certificate", caFile)
	}
	var d net.Dialer
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			if host != "localhost" && !strings.HasSuffix(host, ".localhost") {
				return nil, fmt.Errorf("the test dials only the emulator, not %s", addr)
			}
			return d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// sdkVault points the SDK at the binary the way its banner says: the vault
// URL, and azidentity's client secret credential with the emulator's
// authority host and tenant and instance discovery off.
func (p *emulatorProcess) sdkVault(t *testing.T, hc *http.Client) *vault {
	t.Helper()
	cred, err := azidentity.NewClientSecretCredential(p.tenant, "interop-app", "interop-secret", &azidentity.ClientSecretCredentialOptions{
		ClientOptions: azcore.ClientOptions{
			Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: p.authority},
			Transport: hc,
		},
		DisableInstanceDiscovery: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	certs, secrets := sdkClients(t, p.vaultURL, cred, hc)
	return &vault{url: p.vaultURL, certs: certs, secrets: secrets}
}

// kvcertsClient points our own client at the binary, with a plain OAuth2
// client-credentials token source for the banner's scope.
func (p *emulatorProcess) kvcertsClient(t *testing.T, hc *http.Client) *client.Client {
	t.Helper()
	cc := clientcredentials.Config{ClientID: "kvcerts-app", ClientSecret: "kvcerts-secret", TokenURL: p.tokenURL, Scopes: []string{p.scope}}
	ts := cc.TokenSource(context.WithValue(context.Background(), oauth2.HTTPClient, hc))
	c, err := client.New(p.vaultURL, ts, client.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestStandaloneEmulator builds cmd/kvemulator and shows that the vault it
// serves works with Microsoft's SDK (authenticating through azidentity) and
// with our client at once, and that it keeps the vault across restarts
// after SIGTERM and SIGINT.
func TestStandaloneEmulator(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	bin := filepath.Join(dir, "kvemulator")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/kvcerts/kvcerts/cmd/kvemulator").CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/kvemulator: %v\n%s", err, out)
	}
	caFile := filepath.Join(dir, "ca.pem")

	emu := startEmulator(t, bin, dir)
	if !strings.HasPrefix(emu.vaultURL, "https://myvault.vault.localhost:") {
		t.Fatalf("vault URL = %s, want https://myvault.vault.localhost:<port>", emu.vaultURL)
	}
	hc := emu.httpClient(t, caFile)
	sdk := emu.sdkVault(t, hc)
	ours := emu.kvcertsClient(t, hc)

	// The SDK creates; our client reads the same version.
	fromSDK := sdk.create(t, ctx, "from-sdk", azcertificates.CreateCertificateParameters{
		CertificatePolicy: selfPolicy("CN=from-sdk"),
		Tags:              tags("made-by", "azcertificates"),
	})
	got, err := ours.GetCertificate(ctx, "from-sdk", nil)
	if err != nil {
		t.Fatalf("kvcerts GetCertificate: %v", err)
	}
	if got.Properties.ID != string(*fromSDK.ID) || !bytes.Equal(got.CER, fromSDK.CER) || got.Properties.Tags["made-by"] != "azcertificates" {
		t.Errorf("kvcerts read %s (tags %v), want the SDK's %s", got.Properties.ID, got.Properties.Tags, *fromSDK.ID)
	}

	// Our client imports; the SDK reads it and its key.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ext := newExternalCert(t, "from-kvcerts.example.com", key)
	imported, err := ours.ImportCertificate(ctx, "from-kvcerts", []byte(pemBundle(t, key, ext.leaf, ext.ca)), nil)
	if err != nil {
		t.Fatalf("kvcerts ImportCertificate: %v", err)
	}
	fromOurs, err := sdk.certs.GetCertificate(ctx, "from-kvcerts", "", nil)
	if err != nil {
		t.Fatalf("SDK GetCertificate: %v", err)
	}
	if string(*fromOurs.ID) != imported.Properties.ID {
		t.Errorf("SDK read %s, want the imported %s", *fromOurs.ID, imported.Properties.ID)
	}
	sdk.checkImported(t, "from-kvcerts", fromOurs.Certificate, ext, "EC P-256", "application/x-pem-file")
	checkSecretKey(t, ctx, sdk, "from-kvcerts", fromOurs.Certificate)

	var names []string
	for p, err := range ours.ListCertificates(ctx, nil) {
		if err != nil {
			t.Fatalf("kvcerts ListCertificates: %v", err)
		}
		names = append(names, p.Name)
	}
	if diff := cmp.Diff([]string{"from-kvcerts", "from-sdk"}, names); diff != "" {
		t.Errorf("kvcerts ListCertificates (-want +got):\n%s", diff)
	}

	emu.stop(t, syscall.SIGTERM)

	// A new process on another port loads the state, with the same CA.
	again := startEmulator(t, bin, dir)
	if !strings.Contains(again.banner, "(loaded)") {
		t.Errorf("restarted kvemulator did not load its state:\n%s", again.banner)
	}
	sdk = again.sdkVault(t, again.httpClient(t, caFile))
	for _, want := range []azcertificates.Certificate{fromSDK, fromOurs.Certificate} {
		name := want.ID.Name()
		got, err := sdk.certs.GetCertificate(ctx, name, "", nil)
		if err != nil {
			t.Fatalf("GetCertificate(%s) after restart: %v", name, err)
		}
		if got.ID.Version() != want.ID.Version() || !bytes.Equal(got.CER, want.CER) {
			t.Errorf("after restart %s is %s, want version %s with the same CER", name, *got.ID, want.ID.Version())
		}
		checkSecretKey(t, ctx, sdk, name, got.Certificate)
	}
	// A certificate made before SIGINT is there after the next start.
	sdk.create(t, ctx, "before-sigint", azcertificates.CreateCertificateParameters{CertificatePolicy: selfPolicy("CN=before-sigint")})
	again.stop(t, syscall.SIGINT)

	third := startEmulator(t, bin, dir)
	sdk = third.sdkVault(t, third.httpClient(t, caFile))
	if _, err := sdk.certs.GetCertificate(ctx, "before-sigint", "", nil); err != nil {
		t.Errorf("GetCertificate after a SIGINT stop and a restart: %v", err)
	}
	third.stop(t, syscall.SIGTERM)
}
