// Package interop proves that vaulttest, the kvcerts Key Vault emulator, is
// a vault Microsoft's own Go SDK accepts: its tests drive every operation of
// azcertificates, and GetSecret of azsecrets, against the emulator with the
// SDK's challenge-resource verification left on, and check what the SDK
// returns.
//
// It is a module of its own, so that kvcerts itself never depends on
// Microsoft's SDK. Its one exported type, Credential, is what a test of your
// own needs to point the SDK at a vaulttest.Server:
//
//	srv := vaulttest.NewServer()
//	defer srv.Close()
//	opts := &azcertificates.ClientOptions{ClientOptions: azcore.ClientOptions{Transport: srv.Client()}}
//	c, err := azcertificates.NewClient(srv.URL, interop.NewCredential(srv.TokenSource()), opts)
package interop
