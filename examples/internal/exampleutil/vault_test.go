package exampleutil

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/vaulttest"
	"golang.org/x/oauth2"
)

func TestOpenEmulator(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	v, err := Open(t.Context(), &out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()

	want := regexp.MustCompile(`^AZURE_KEYVAULT_URL is not set: using an in-process Key Vault emulator \(vaulttest\) at https://myvault\.vault\.localhost:\d+\.\n$`)
	if !want.MatchString(out.String()) {
		t.Errorf("output %q does not match %s", out.String(), want)
	}
	if !v.Emulated {
		t.Error("Emulated = false")
	}
	if got := v.Name("web"); got != "web" {
		t.Errorf("Name(web) = %q, want web", got)
	}
	if _, err := CreateCertificate(t.Context(), io.Discard, v.Client, "web", client.DefaultPolicy()); err != nil {
		t.Fatal(err)
	}
}

// namedSource is a token source that describes itself, as the credentials
// of package auth do.
type namedSource struct{ oauth2.TokenSource }

func (namedSource) String() string { return "a test credential" }

func TestOpenVault(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer()
	t.Cleanup(srv.Close)

	tests := []struct {
		name     string
		source   oauth2.TokenSource
		wantLine string
	}{
		{"plain token source", srv.TokenSource(), "authenticated with the given credential."},
		{"described token source", namedSource{srv.TokenSource()}, "authenticated with a test credential."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			v, err := Open(t.Context(), &out, Options{
				VaultURL:   srv.URL,
				Credential: func(context.Context) (oauth2.TokenSource, error) { return tt.source, nil },
				HTTPClient: srv.Client(),
			})
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()

			want := "Using the vault at " + srv.URL + " (from AZURE_KEYVAULT_URL), " + tt.wantLine + "\n"
			if out.String() != want {
				t.Errorf("output %q, want %q", out.String(), want)
			}
			if v.Emulated {
				t.Error("Emulated = true")
			}
			name := v.Name("web")
			if !regexp.MustCompile(`^web-[0-9a-f]{6}$`).MatchString(name) {
				t.Errorf("Name(web) = %q, want web-<6 hex digits>", name)
			}
			if other := v.Name("web"); other == name {
				t.Errorf("Name(web) returned %q twice", name)
			}
			if _, err := CreateCertificate(t.Context(), io.Discard, v.Client, name, client.DefaultPolicy()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	errNoCred := errors.New("no credential found")
	tests := []struct {
		name    string
		opts    Options
		wantErr []string
		is      error
	}{
		{
			name: "credential fails",
			opts: Options{
				VaultURL:   "https://myvault.vault.azure.net",
				Credential: func(context.Context) (oauth2.TokenSource, error) { return nil, errNoCred },
			},
			wantErr: []string{"https://myvault.vault.azure.net", "no credential found"},
			is:      errNoCred,
		},
		{
			name: "URL refused",
			opts: Options{
				VaultURL: "http://myvault.vault.azure.net",
				Credential: func(context.Context) (oauth2.TokenSource, error) {
					return oauth2.StaticTokenSource(&oauth2.Token{}), nil
				},
			},
			wantErr: []string{"http://myvault.vault.azure.net"},
			is:      client.ErrInvalidArgument,
		},
		{
			name: "client option refused, vault",
			opts: Options{
				VaultURL: "https://myvault.vault.azure.net",
				Credential: func(context.Context) (oauth2.TokenSource, error) {
					return oauth2.StaticTokenSource(&oauth2.Token{}), nil
				},
				Client: []client.Option{client.WithPollFrequency(-time.Second)},
			},
			wantErr: []string{"-1s"},
			is:      client.ErrInvalidArgument,
		},
		{
			name:    "client option refused, emulator",
			opts:    Options{Client: []client.Option{client.WithPollFrequency(-time.Second)}},
			wantErr: []string{"-1s"},
			is:      client.ErrInvalidArgument,
		},
		{
			name:    "emulator fails",
			opts:    Options{Emulator: []vaulttest.Option{vaulttest.WithPageSize(0)}},
			wantErr: []string{"starting the emulator"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			v, err := Open(t.Context(), &out, tt.opts)
			if err == nil {
				v.Close()
				t.Fatal("Open succeeded")
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not match %v", err, tt.is)
			}
			if out.Len() != 0 {
				t.Errorf("output %q, want none", out.String())
			}
		})
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	errExample := errors.New("example failed")
	var vault *Vault
	var out bytes.Buffer
	err := Run(t.Context(), &out, Options{}, func(ctx context.Context, w io.Writer, v *Vault) error {
		vault = v
		if _, err := CreateCertificate(ctx, io.Discard, v.Client, "web", client.DefaultPolicy()); err != nil {
			return err
		}
		io.WriteString(w, "ran\n")
		return errExample
	})
	if !errors.Is(err, errExample) {
		t.Errorf("Run returned %v, want the example's error", err)
	}
	if lines := strings.Split(out.String(), "\n"); len(lines) != 3 || lines[1] != "ran" {
		t.Errorf("output %q, want the vault line, then ran", out.String())
	}
	// Run closed the emulator.
	if conn, err := net.Dial("tcp", vault.srv.Addr()); err == nil {
		conn.Close()
		t.Error("the emulator still listens after Run")
	}
}
