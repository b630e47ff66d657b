// Command benchtable turns benchstat's CSV output for the kvcerts
// benchmarks into one table per benchmark: a row per unit (sec/op, B/op,
// allocs/op and the benchmarks' own metrics), a column per contender with
// its median, and our client's ratio to the floor (also to the floor with a
// request id, where it ran) and to Microsoft's SDK.
//
// It reads the output of
//
//	benchstat -format csv -col /client bench.txt
//
// on standard input and writes the tables to standard output. make bench
// runs it.
package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// The contenders whose ratios are shown: ours to each of the others.
const (
	ours    = "ours"
	floor   = "floor"
	floorID = "floor-id" // the floor sending a request id, as the clients do
	sdk     = "azsdk"
)

func main() {
	benchmarks, err := parse(os.Stdin)
	if err == nil {
		err = render(os.Stdout, benchmarks)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

// benchmark is one benchmark (one row of benchstat's tables) with the
// medians of every unit measured for it.
type benchmark struct {
	name        string
	contenders  []string                      // in benchstat's column order
	units       []string                      // in benchstat's table order
	medians     map[string]map[string]float64 // unit -> contender -> median
	contenderOK map[string]bool
}

// parse reads benchstat's CSV: tables, each with a header row of
// contenders, a row of units, then one row per benchmark and a geomean row.
// (The blank lines between tables never reach us: encoding/csv skips
// them.) Lines before the first table (goos, pkg...) are skipped.
func parse(r io.Reader) ([]*benchmark, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	var (
		order      []string
		byName     = map[string]*benchmark{}
		contenders []string // the current table's column of each field; "" when none
		units      []string
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch {
		case len(rec) < 2: // an informational line, such as "goos: linux"
			contenders, units = nil, nil
		case rec[0] == "" && (contenders == nil || units != nil): // a new table
			contenders, units = columns(rec), nil
		case rec[0] == "":
			units = rec
		case contenders == nil || units == nil || rec[0] == "geomean":
		default:
			b := byName[rec[0]]
			if b == nil {
				b = &benchmark{name: rec[0], medians: map[string]map[string]float64{}, contenderOK: map[string]bool{}}
				byName[rec[0]] = b
				order = append(order, rec[0])
			}
			if err := b.add(rec, contenders, units); err != nil {
				return nil, err
			}
		}
	}
	if len(order) == 0 {
		return nil, errors.New("no benchmark results in the input; is it benchstat -format csv output?")
	}
	out := make([]*benchmark, len(order))
	for i, name := range order {
		out[i] = byName[name]
	}
	return out, nil
}

// columns returns, for every field of a header row, the contender whose
// median it may hold: the name spreads over the fields up to the next one.
func columns(header []string) []string {
	cols := make([]string, len(header))
	current := ""
	for i, f := range header {
		if f != "" {
			current = f
		}
		cols[i] = current
	}
	return cols
}

// add records the medians of one benchmark row: the first field under each
// contender's name whose unit row names a unit.
func (b *benchmark) add(rec, contenders, units []string) error {
	for i := 1; i < len(rec) && i < len(contenders) && i < len(units); i++ {
		c, unit := contenders[i], units[i]
		if c == "" || rec[i] == "" || (i > 0 && contenders[i-1] == c) {
			continue // not the first field of its contender
		}
		v, err := strconv.ParseFloat(rec[i], 64)
		if err != nil {
			return fmt.Errorf("%s: %s of %s: %q is not a number", b.name, unit, c, rec[i])
		}
		if b.medians[unit] == nil {
			b.medians[unit] = map[string]float64{}
			b.units = append(b.units, unit)
		}
		b.medians[unit][c] = v
		if !b.contenderOK[c] {
			b.contenderOK[c] = true
			b.contenders = append(b.contenders, c)
		}
	}
	return nil
}

// render writes one table per benchmark.
func render(w io.Writer, benchmarks []*benchmark) error {
	for i, b := range benchmarks {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, b.name)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		header := append([]string{"unit"}, b.contenders...)
		ratios := b.ratioColumns()
		for _, r := range ratios {
			header = append(header, ours+"/"+r)
		}
		fmt.Fprintln(tw, strings.Join(header, "\t")+"\t")
		for _, unit := range b.units {
			m := b.medians[unit]
			row := []string{unit}
			for _, c := range b.contenders {
				if v, ok := m[c]; ok {
					row = append(row, format(unit, v))
				} else {
					row = append(row, "-")
				}
			}
			for _, r := range ratios {
				row = append(row, ratio(m, r))
			}
			fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// ratioColumns returns the contenders our client is compared with.
func (b *benchmark) ratioColumns() []string {
	if !slices.Contains(b.contenders, ours) {
		return nil
	}
	var cols []string
	for _, c := range []string{floor, floorID, sdk} {
		if slices.Contains(b.contenders, c) {
			cols = append(cols, c)
		}
	}
	return cols
}

// ratio returns our median over the median of contender c, or "-" when
// either is missing or c's is zero.
func ratio(m map[string]float64, c string) string {
	o, okOurs := m[ours]
	v, ok := m[c]
	switch {
	case !okOurs || !ok:
		return "-"
	case v == 0 && o == 0:
		return "="
	case v == 0:
		return "-"
	}
	return strconv.FormatFloat(o/v, 'f', 2, 64)
}

// format writes a median in its unit: a duration for seconds, a whole
// number from 100 up, three significant digits below.
func format(unit string, v float64) string {
	switch {
	case strings.HasPrefix(unit, "sec/") || strings.HasPrefix(unit, "cpu-sec/"):
		return time.Duration(v * float64(time.Second)).Round(roundTo(v)).String()
	case v >= 100 || v <= -100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// roundTo returns a rounding unit that keeps three or four significant
// digits of a duration of v seconds.
func roundTo(v float64) time.Duration {
	d := time.Duration(v * float64(time.Second))
	r := time.Duration(1)
	for d >= 10000*r {
		r *= 10
	}
	return r
}
