package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// csvInput is benchstat -format csv -col /client output, shortened.
const csvInput = `goos: linux
goarch: amd64
pkg: github.com/kvcerts/kvcerts/interop/bench
,floor,,floor-id,,,,ours,,,,azsdk,,,
,sec/op,CI,sec/op,CI,vs base,P,sec/op,CI,vs base,P,sec/op,CI,vs base,P
Get/net=memory-2,1.5e-05,3%,1.6e-05,3%,+6.67%,p=0.000 n=8,1.65e-05,2%,+10.00%,p=0.000 n=8,6e-05,1%,+300.00%,p=0.000 n=8
Create-2,0.0005,1%,,,,,0.0006,2%,+20.00%,p=0.000 n=8,0.0007,1%,+40.00%,p=0.000 n=8
geomean,0.0001,,0.0001,,+15%,,0.0001,,+15%,,0.0002,,+170%,

,floor,,ours,,,,azsdk,,,,ours-static,,,
,allocs/op,CI,allocs/op,CI,vs base,P,allocs/op,CI,vs base,P,allocs/op,CI,vs base,P
Get/net=memory-2,58,0%,87,0%,+50.00%,p=0.000 n=8,387,0%,+567.24%,p=0.000 n=8
FirstCall-2,13294.5,0%,19319,0%,+45.32%,p=0.000 n=8,44240.5,0%,+232.78%,p=0.000 n=8,18666.5,0%,+40.41%,p=0.000 n=8
geomean,1,,1,,+1%,,1,,+1%,,1,,+1%,

,floor,,ours,,,,azsdk,,,,ours-static,,,
,token-requests/op,CI,token-requests/op,CI,vs base,P,token-requests/op,CI,vs base,P,token-requests/op,CI,vs base,P
FirstCall-2,0,0%,1,0%,~,p=0.000 n=8,2.3125,5%,~,p=0.000 n=8,0,0%,~,p=1.000 n=8
geomean,,,1,,?,,2.31,,?,,,,+0.00%,

,emulator,,
,B/cert,CI
Emulator/op=store-2,443.4,1%
geomean,443.4,
`

func TestParseAndRender(t *testing.T) {
	t.Parallel()
	benchmarks, err := parse(strings.NewReader(csvInput))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := render(&out, benchmarks); err != nil {
		t.Fatal(err)
	}
	want := `Get/net=memory-2
       unit  floor  floor-id    ours  azsdk  ours/floor  ours/floor-id  ours/azsdk
     sec/op   15µs      16µs  16.5µs   60µs        1.10           1.03        0.28
  allocs/op     58         -      87    387        1.50              -        0.22

Create-2
    unit  floor   ours  azsdk  ours/floor  ours/azsdk
  sec/op  500µs  600µs  700µs        1.20        0.86

FirstCall-2
               unit  floor   ours  azsdk  ours-static  ours/floor  ours/azsdk
          allocs/op  13294  19319  44240        18666        1.45        0.44
  token-requests/op      0      1   2.31            0           -        0.43

Emulator/op=store-2
    unit  emulator
  B/cert       443
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("tables (-want +got):\n%s", diff)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"",
		"goos: linux\n",
		",floor,\n,sec/op,CI\nGet-2,fast,1%\n",
	} {
		if _, err := parse(strings.NewReader(in)); err == nil {
			t.Errorf("parse(%q) succeeded, want an error", in)
		}
	}
}

func TestRatio(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		m    map[string]float64
		want string
	}{
		{map[string]float64{ours: 3, floor: 2}, "1.50"},
		{map[string]float64{ours: 0, floor: 0}, "="},
		{map[string]float64{ours: 1, floor: 0}, "-"},
		{map[string]float64{floor: 2}, "-"},
	} {
		if got := ratio(tt.m, floor); got != tt.want {
			t.Errorf("ratio(%v) = %q, want %q", tt.m, got, tt.want)
		}
	}
}
