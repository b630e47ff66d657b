package auth_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/kvcerts/kvcerts/auth"
	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/vaulttest"
	"golang.org/x/oauth2"
)

// fakeEntraID is a local stand-in for Microsoft Entra ID: the OpenID configuration MSAL
// reads first, and the token endpoint, which hands out a token naming the tenant in the
// request path and refuses the client secret "wrong".
func fakeEntraID() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		base := "https://" + r.Host + "/" + r.PathValue("tenant")
		fmt.Fprintf(w, `{"token_endpoint":%q,"authorization_endpoint":%q,"issuer":%q}`,
			base+"/oauth2/v2.0/token", base+"/oauth2/v2.0/authorize", base+"/v2.0")
	})
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.PostFormValue("client_secret") == "wrong" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.",`+
				`"error_codes":[7000215],"trace_id":"trace-1","correlation_id":"corr-1"}`)
			return
		}
		fmt.Fprintf(w, `{"token_type":"Bearer","expires_in":3599,"access_token":"token-for-%s"}`, r.PathValue("tenant"))
	})
	return httptest.NewTLSServer(mux)
}

func ExampleDefault() {
	// With AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET set this is a service
	// principal; in Azure, the managed identity; on a laptop, the Azure CLI login.
	cred, err := auth.Default(context.Background(), nil)
	if err != nil {
		log.Fatal(err) // a *auth.ChainError saying why each source failed
	}
	httpClient := oauth2.NewClient(context.Background(), cred)
	_ = httpClient // send Key Vault requests with it, or pass cred to the client package
}

func ExampleNewClientSecret() {
	srv := fakeEntraID()
	defer srv.Close()

	// In production, leave AuthorityHost, DisableInstanceDiscovery and HTTPClient unset.
	cred, err := auth.NewClientSecret("my-tenant", "my-client-id", "my-secret", &auth.Options{
		AuthorityHost:            srv.URL,
		DisableInstanceDiscovery: true,
		HTTPClient:               srv.Client(),
	})
	if err != nil {
		log.Fatal(err)
	}
	tok, err := cred.Token()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.Type(), tok.AccessToken)
	// Output: Bearer token-for-my-tenant
}

func ExampleNewClientCertificate() {
	data, err := os.ReadFile("client.pem") // certificate and private key; or a .pfx file
	if err != nil {
		log.Fatal(err)
	}
	certs, key, err := auth.ParseCertificates(data, os.Getenv("CERT_PASSWORD"))
	if err != nil {
		log.Fatal(err)
	}
	cred, err := auth.NewClientCertificate("my-tenant", "my-client-id", certs, key, &auth.CertificateOptions{
		SendCertificateChain: true, // for subject name and issuer authentication
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = cred
}

func ExampleNewWorkloadIdentity() {
	// In a pod of a service account set up for Microsoft Entra Workload ID, the webhook sets
	// AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE.
	cred, err := auth.NewWorkloadIdentity(nil)
	if err != nil {
		log.Fatal(err)
	}
	_ = cred
}

func ExampleNewManagedIdentity() {
	// A local stand-in for the instance metadata service; in Azure, leave IMDSEndpoint unset.
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Metadata") != "true" {
			http.Error(w, "metadata header missing", http.StatusBadRequest)
			return
		}
		q := r.URL.Query()
		fmt.Fprintf(w, `{"access_token":"token-for-%s-of-%s","expires_in":"86399","token_type":"Bearer"}`,
			q.Get("client_id"), q.Get("resource"))
	}))
	defer imds.Close()

	cred, err := auth.NewManagedIdentity(&auth.ManagedIdentityOptions{
		ClientID:     "user-assigned-client-id",
		IMDSEndpoint: imds.URL,
	})
	if err != nil {
		log.Fatal(err)
	}
	tok, err := cred.Token()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.AccessToken)
	// Output: token-for-user-assigned-client-id-of-https://vault.azure.net
}

func ExampleNewAzureDeveloperCLI() {
	// For a developer signed in with azd auth login; azd must be on PATH.
	cred, err := auth.NewAzureDeveloperCLI(&auth.AzureDeveloperCLIOptions{TenantID: "contoso.onmicrosoft.com"})
	if err != nil {
		log.Fatal(err)
	}
	_ = cred
}

func ExampleNewAzureCLI() {
	cred, err := auth.NewAzureCLI(&auth.AzureCLIOptions{TenantID: "contoso.onmicrosoft.com"})
	if err != nil {
		log.Fatal(err)
	}
	_ = cred
}

func ExampleCredential_ChallengeToken() {
	srv := fakeEntraID()
	defer srv.Close()

	cred, err := auth.NewClientSecret("home-tenant", "my-client-id", "my-secret", &auth.Options{
		AuthorityHost:              srv.URL,
		DisableInstanceDiscovery:   true,
		HTTPClient:                 srv.Client(),
		AdditionallyAllowedTenants: []string{"guest-tenant"},
	})
	if err != nil {
		log.Fatal(err)
	}
	// A vault in another tenant answered 401 with a challenge naming its tenant.
	tok, err := cred.ChallengeToken(context.Background(), "https://vault.azure.net/.default", "guest-tenant", "")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.AccessToken)

	_, err = cred.ChallengeToken(context.Background(), "", "unknown-tenant", "")
	fmt.Println(err)
	// Output:
	// token-for-guest-tenant
	// auth: client secret credential: tenant "unknown-tenant" is not the configured tenant "home-tenant"; add it to Options.AdditionallyAllowedTenants, or add "*" to allow any tenant
}

func ExampleAuthenticationError() {
	srv := fakeEntraID()
	defer srv.Close()

	cred, err := auth.NewClientSecret("my-tenant", "my-client-id", "wrong", &auth.Options{
		AuthorityHost:            srv.URL,
		DisableInstanceDiscovery: true,
		HTTPClient:               srv.Client(),
	})
	if err != nil {
		log.Fatal(err)
	}
	_, err = cred.Token()
	fmt.Println(err)
	if ae, ok := errors.AsType[*auth.AuthenticationError](err); ok {
		fmt.Println(ae.StatusCode, ae.ErrorCode, ae.ErrorCodes, ae.TraceID)
	}
	// Output:
	// auth: client secret credential: token endpoint answered HTTP 401 Unauthorized: invalid_client: AADSTS7000215: Invalid client secret provided. (trace ID trace-1, correlation ID corr-1)
	// 401 invalid_client [7000215] trace-1
}

// A credential is what client.New takes. Here a service principal signs in
// to the token service of an emulated vault; with Azure, leave
// AuthorityHost, DisableInstanceDiscovery and HTTPClient unset.
func Example_client() {
	srv := vaulttest.NewServer()
	defer srv.Close()

	cred, err := auth.NewClientSecret(vaulttest.DefaultTenantID, "my-client-id", "my-secret", &auth.Options{
		AuthorityHost:            srv.AuthorityHost(),
		DisableInstanceDiscovery: true,
		HTTPClient:               srv.Client(),
	})
	if err != nil {
		log.Fatal(err)
	}
	c, err := client.New(srv.URL, cred, client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	n := 0
	for _, err := range c.ListCertificates(context.Background(), nil) {
		if err != nil {
			log.Fatal(err)
		}
		n++
	}
	fmt.Println(n, "certificates,", srv.TokenRequests(), "token request")
	// Output: 0 certificates, 1 token request
}
