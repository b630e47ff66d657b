package bench

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"
)

// The served documents, read from the raw JSON the emulator answered with
// and with none of the contenders' models, so that every contender's
// decoded result is compared with what was on the wire.

// servedAttributes are the attributes of a certificate or policy.
type servedAttributes struct {
	enabled            bool
	notBefore, expires int64 // Unix seconds; 0 when absent
	created, updated   int64
	recoveryLevel      string
	recoverableDays    int
}

type servedSANs struct {
	dnsNames, emails, upns, uris, ips []string
}

type servedAction struct {
	percentage, daysBeforeExpiry int
	action                       string
}

type servedPolicy struct {
	id                      string
	exportable, reuseKey    bool
	keyType, curve          string
	keySize                 int
	contentType, subject    string
	ekus, keyUsage          []string
	sans                    servedSANs
	validityMonths          int
	actions                 []servedAction
	issuer, certificateType string
	certificateTransparency bool
	attributes              servedAttributes
}

type servedCertificate struct {
	id, kid, sid, contentType string
	x5t, cer                  []byte
	x5tText                   string // x5t as on the wire, for the floor
	attributes                servedAttributes
	tags                      map[string]string
	policy                    *servedPolicy
	preserveCertOrder         bool
}

type servedItem struct {
	id         string
	x5t        []byte
	x5tText    string
	attributes servedAttributes
	tags       map[string]string
}

// doc is a JSON object read without a schema.
type doc map[string]any

func parseDoc(data []byte) (doc, error) {
	var d doc
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, err
	}
	return d, nil
}

func (d doc) obj(key string) doc {
	m, _ := d[key].(map[string]any)
	return m
}

func (d doc) str(key string) string {
	s, _ := d[key].(string)
	return s
}

func (d doc) num(key string) int64 {
	f, _ := d[key].(float64)
	return int64(f)
}

func (d doc) boolean(key string) bool {
	b, _ := d[key].(bool)
	return b
}

func (d doc) strs(key string) []string {
	a, _ := d[key].([]any)
	var out []string
	for _, v := range a {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

func (d doc) bytes(key string, enc *base64.Encoding) ([]byte, error) {
	s := d.str(key)
	if s == "" {
		return nil, nil
	}
	b, err := enc.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return b, nil
}

func (d doc) tags() map[string]string {
	m := d.obj("tags")
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k], _ = v.(string)
	}
	return out
}

func (d doc) attributes() servedAttributes {
	a := d.obj("attributes")
	return servedAttributes{
		enabled: a.boolean("enabled"), notBefore: a.num("nbf"), expires: a.num("exp"),
		created: a.num("created"), updated: a.num("updated"),
		recoveryLevel: a.str("recoveryLevel"), recoverableDays: int(a.num("recoverableDays")),
	}
}

// base64url is how Key Vault encodes x5t; cer is standard base64.
var base64url = base64.RawURLEncoding

func servedCertificateOf(data []byte) (*servedCertificate, error) {
	d, err := parseDoc(data)
	if err != nil {
		return nil, err
	}
	c := &servedCertificate{
		id: d.str("id"), kid: d.str("kid"), sid: d.str("sid"), contentType: d.str("contentType"),
		attributes: d.attributes(), tags: d.tags(), preserveCertOrder: d.boolean("preserveCertOrder"),
	}
	if c.x5t, err = d.bytes("x5t", base64url); err != nil {
		return nil, err
	}
	c.x5tText = d.str("x5t")
	if c.cer, err = d.bytes("cer", base64.StdEncoding); err != nil {
		return nil, err
	}
	if p := d.obj("policy"); p != nil {
		c.policy = servedPolicyOf(p)
	}
	if c.id == "" || len(c.cer) == 0 || len(c.x5t) == 0 || c.policy == nil {
		return nil, fmt.Errorf("served certificate lacks its id, cer, x5t or policy: %s", data)
	}
	return c, nil
}

func servedPolicyOf(p doc) *servedPolicy {
	k, x, iss := p.obj("key_props"), p.obj("x509_props"), p.obj("issuer")
	s := x.obj("sans")
	sp := &servedPolicy{
		id: p.str("id"), exportable: k.boolean("exportable"), reuseKey: k.boolean("reuse_key"),
		keyType: k.str("kty"), curve: k.str("crv"), keySize: int(k.num("key_size")),
		contentType: p.obj("secret_props").str("contentType"), subject: x.str("subject"),
		ekus: x.strs("ekus"), keyUsage: x.strs("key_usage"), validityMonths: int(x.num("validity_months")),
		sans: servedSANs{dnsNames: s.strs("dns_names"), emails: s.strs("emails"), upns: s.strs("upns"),
			uris: s.strs("uris"), ips: s.strs("ipAddresses")},
		issuer: iss.str("name"), certificateType: iss.str("cty"), certificateTransparency: iss.boolean("cert_transparency"),
		attributes: p.attributes(),
	}
	actions, _ := p["lifetime_actions"].([]any)
	for _, a := range actions {
		ad, _ := a.(map[string]any)
		t, act := doc(ad).obj("trigger"), doc(ad).obj("action")
		sp.actions = append(sp.actions, servedAction{
			percentage: int(t.num("lifetime_percentage")), daysBeforeExpiry: int(t.num("days_before_expiry")),
			action: act.str("action_type"),
		})
	}
	return sp
}

// servedPage reads one page of a certificate listing.
func servedPage(data []byte) (items []servedItem, next string, err error) {
	d, err := parseDoc(data)
	if err != nil {
		return nil, "", err
	}
	values, _ := d["value"].([]any)
	for _, v := range values {
		m, _ := v.(map[string]any)
		it := doc(m)
		x5t, err := it.bytes("x5t", base64url)
		if err != nil {
			return nil, "", err
		}
		items = append(items, servedItem{id: it.str("id"), x5t: x5t, x5tText: it.str("x5t"), attributes: it.attributes(), tags: it.tags()})
	}
	return items, d.str("nextLink"), nil
}

// mismatch records the first field that differs from what was served.
// The comparisons allocate nothing unless a field differs.
type mismatch struct{ err error }

func (m *mismatch) fail(field string, got, want any) {
	if m.err == nil {
		m.err = fmt.Errorf("%s = %v, served %v", field, got, want)
	}
}

func same[T comparable](m *mismatch, field string, got, want T) {
	if got != want {
		m.fail(field, got, want)
	}
}

func sameBytes(m *mismatch, field string, got, want []byte) {
	if string(got) != string(want) {
		m.fail(field, got, want)
	}
}

func sameStrings(m *mismatch, field string, got, want []string) {
	if !slices.Equal(got, want) {
		m.fail(field, got, want)
	}
}

// sameStringPtrs compares the SDK's lists of string pointers.
func sameStringPtrs(m *mismatch, field string, got []*string, want []string) {
	if len(got) != len(want) {
		m.fail(field, len(got), len(want))
		return
	}
	for i, p := range got {
		if p == nil || *p != want[i] {
			m.fail(field, got, want)
			return
		}
	}
}

func sameTags(m *mismatch, got, want map[string]string) {
	if !maps.Equal(got, want) {
		m.fail("tags", got, want)
	}
}

func sameTagPtrs(m *mismatch, got map[string]*string, want map[string]string) {
	if len(got) != len(want) {
		m.fail("tags", got, want)
		return
	}
	for k, v := range want {
		if p := got[k]; p == nil || *p != v {
			m.fail("tags", got, want)
			return
		}
	}
}

// unix returns t's Unix seconds, 0 for the zero time.
func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// unixPtr is unix for the SDK's optional times.
func unixPtr(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return unix(*t)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
