package interop

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"github.com/kvcerts/kvcerts/vaulttest"
	"software.sslmate.com/src/go-pkcs12"
)

// decodeSecret reads a certificate's secret: base64 PKCS#12 (with an empty
// password, as the service writes it) or PEM text. key is nil when the
// secret holds no private key.
func decodeSecret(t *testing.T, s azsecrets.Secret) (key any, chain []*x509.Certificate) {
	t.Helper()
	if s.Value == nil {
		t.Fatal("secret has no value")
	}
	switch ct := str(s.ContentType); ct {
	case "application/x-pkcs12":
		data, err := base64.StdEncoding.DecodeString(*s.Value)
		if err != nil {
			t.Fatalf("PKCS#12 secret is not base64: %v", err)
		}
		key, leaf, cas, err := pkcs12.DecodeChain(data, "")
		if err == nil {
			return key, append([]*x509.Certificate{leaf}, cas...)
		}
		certs, terr := pkcs12.DecodeTrustStore(data, "")
		if terr != nil {
			t.Fatalf("PKCS#12 secret: %v; as a trust store: %v", err, terr)
		}
		return nil, certs
	case "application/x-pem-file":
		rest := []byte(*s.Value)
		for {
			var b *pem.Block
			if b, rest = pem.Decode(rest); b == nil {
				break
			}
			switch b.Type {
			case "PRIVATE KEY":
				k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
				if err != nil {
					t.Fatalf("PEM secret key is not PKCS#8: %v", err)
				}
				key = k
			case "CERTIFICATE":
				c, err := x509.ParseCertificate(b.Bytes)
				if err != nil {
					t.Fatalf("PEM secret certificate: %v", err)
				}
				chain = append(chain, c)
			default:
				t.Fatalf("PEM secret has a %q block", b.Type)
			}
		}
		return key, chain
	default:
		t.Fatalf("secret content type %q", ct)
	}
	return nil, nil
}

// checkSecretKey reads the secret behind cert with azsecrets and checks it
// holds cert and its private key.
func checkSecretKey(t *testing.T, ctx context.Context, v *vault, name string, cert azcertificates.Certificate) {
	t.Helper()
	resp, err := v.secrets.GetSecret(ctx, name, cert.SID.Version(), nil)
	if err != nil {
		t.Fatalf("GetSecret(%s): %v", name, err)
	}
	s := resp.Secret
	if string(*s.ID) != string(*cert.SID) || s.KID == nil || string(*s.KID) != string(*cert.KID) || s.Managed == nil || !*s.Managed {
		t.Errorf("secret ID %s KID %s managed %v; want %s, %s, true", *s.ID, str(s.KID), s.Managed, *cert.SID, *cert.KID)
	}
	key, chain := decodeSecret(t, s)
	leaf := parseCER(t, cert.CER, cert.X509Thumbprint)
	if len(chain) == 0 || !chain[0].Equal(leaf) {
		t.Fatalf("secret of %s does not start with the certificate", name)
	}
	if key == nil {
		t.Fatalf("secret of %s has no private key", name)
	}
	sameKey(t, key, leaf)
}

func TestGetSecret(t *testing.T) {
	t.Parallel()
	pemType := azsecrets.ContentType("application/x-pem-file")
	tests := []struct {
		name        string
		contentType string
		exportable  bool
		out         *azsecrets.ContentType
		wantType    string
		wantKey     bool
	}{
		{"pkcs12", "application/x-pkcs12", true, nil, "application/x-pkcs12", true},
		{"pem", "application/x-pem-file", true, nil, "application/x-pem-file", true},
		{"pkcs12 as pem", "application/x-pkcs12", true, &pemType, "application/x-pem-file", true},
		{"not exportable pkcs12", "application/x-pkcs12", false, nil, "application/x-pkcs12", false},
		{"not exportable pem", "application/x-pem-file", false, nil, "application/x-pem-file", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			v := newVault(t)
			p := selfPolicy("CN=secret")
			p.KeyProperties = &azcertificates.KeyProperties{
				KeyType: new(azcertificates.KeyTypeRSA), KeySize: to.Ptr[int32](2048), Exportable: new(tt.exportable),
			}
			p.SecretProperties = &azcertificates.SecretProperties{ContentType: new(tt.contentType)}
			cert := v.create(t, ctx, "sec", azcertificates.CreateCertificateParameters{CertificatePolicy: p, Tags: tags("a", "b")})

			resp, err := v.secrets.GetSecret(ctx, "sec", cert.SID.Version(), &azsecrets.GetSecretOptions{OutContentType: tt.out})
			if err != nil {
				t.Fatalf("GetSecret: %v", err)
			}
			s := resp.Secret
			if str(s.ContentType) != tt.wantType {
				t.Errorf("ContentType = %s, want %s", str(s.ContentType), tt.wantType)
			}
			if string(*s.ID) != string(*cert.SID) || str(s.KID) != string(*cert.KID) || s.Managed == nil || !*s.Managed {
				t.Errorf("secret ID %s KID %s managed %v; want %s, %s, true", *s.ID, str(s.KID), s.Managed, *cert.SID, *cert.KID)
			}
			if a := s.Attributes; a == nil || !*a.Enabled || !a.Expires.Equal(*cert.Attributes.Expires) || !a.NotBefore.Equal(*cert.Attributes.NotBefore) {
				t.Errorf("secret Attributes = %+v, want enabled with the certificate's validity", a)
			}
			if str(s.Tags["a"]) != "b" {
				t.Errorf("secret Tags = %v, want the certificate's", s.Tags)
			}
			key, chain := decodeSecret(t, s)
			leaf := parseCER(t, cert.CER, cert.X509Thumbprint)
			if len(chain) != 1 || !chain[0].Equal(leaf) {
				t.Errorf("secret holds %d certificates, want just the certificate", len(chain))
			}
			if (key != nil) != tt.wantKey {
				t.Fatalf("secret has a private key: %v, want %v", key != nil, tt.wantKey)
			}
			if key != nil {
				sameKey(t, key, leaf)
			}

			// The latest secret is the latest version's.
			latest, err := v.secrets.GetSecret(ctx, "sec", "", nil)
			if err != nil {
				t.Fatalf("GetSecret latest: %v", err)
			}
			if *latest.ID != *s.ID {
				t.Errorf("latest secret ID = %s, want %s", *latest.ID, *s.ID)
			}
		})
	}
}

func TestGetSecretRefusesPEMToPKCS12(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t)
	if _, err := v.srv.AddCertificate(vaulttest.SeedCertificate{Name: "pem", ContentType: "application/x-pem-file"}); err != nil {
		t.Fatal(err)
	}
	out := azsecrets.ContentType("application/x-pkcs12")
	_, err := v.secrets.GetSecret(ctx, "pem", "", &azsecrets.GetSecretOptions{OutContentType: &out})
	wantResponseError(t, err, 400, "BadParameter")
}

// TestSecretPreviousVersion checks previousVersion, which the service sets
// on the secrets of certificate versions created after June 2025 (see the
// GetSecret example of the 2025-07-01 spec).
func TestSecretPreviousVersion(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t)
	first := v.create(t, ctx, "renewed", azcertificates.CreateCertificateParameters{CertificatePolicy: selfPolicy("CN=renewed")})
	second := v.create(t, ctx, "renewed", azcertificates.CreateCertificateParameters{})
	resp, err := v.secrets.GetSecret(ctx, "renewed", second.SID.Version(), nil)
	if err != nil {
		t.Fatalf("GetSecret: %v", err)
	}
	if got := str(resp.PreviousVersion); got != first.ID.Version() {
		t.Errorf("PreviousVersion of the second version's secret = %q, want the first version %s", got, first.ID.Version())
	}
	// The first version has none.
	resp, err = v.secrets.GetSecret(ctx, "renewed", first.SID.Version(), nil)
	if err != nil {
		t.Fatalf("GetSecret of the first version: %v", err)
	}
	if resp.PreviousVersion != nil {
		t.Errorf("PreviousVersion of the first version's secret = %q, want none", *resp.PreviousVersion)
	}
}
