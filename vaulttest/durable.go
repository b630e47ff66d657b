package vaulttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/kvcerts/kvcerts/internal/atomicfile"
)

// minJournalLimit is the journal size below which it is never folded into
// the state file. Above it, the journal is folded once it outgrows the
// state file, so a write costs O(1) amortized however large the vault.
const minJournalLimit = 4 << 20

// maxChangesPerRecord is the most records one commit writes to the
// journal; a commit of more (a large Seed) rewrites the state file.
const maxChangesPerRecord = 256

// recordKind says what a recordKey names.
type recordKind byte

const (
	kindCertificate recordKind = iota + 1 // a certificate name: live, deleted, being purged
	kindIssuer
	kindContacts
	kindClock // how far the emulator's clock runs ahead of its source
)

// recordKey names one record of the vault that a change replaces whole.
type recordKey struct {
	kind recordKind
	name string // name key; "" for the contacts
}

func certificateRecord(name string) recordKey {
	return recordKey{kind: kindCertificate, name: nameKey(name)}
}

func issuerRecordKey(name string) recordKey { return recordKey{kind: kindIssuer, name: nameKey(name)} }

var (
	contactsRecord = recordKey{kind: kindContacts}
	clockRecord    = recordKey{kind: kindClock}
)

// touch notes that the record k changed, for the next commit to write.
// Every change that a successful write request does not make under its
// own path (a restore, an operation completing on a read, a clock moving)
// must call it. Callers hold v.mu.
func (v *vault) touch(k recordKey) {
	if v.unsaved != nil {
		v.unsaved[k] = struct{}{}
	}
}

// stateStore keeps a vault in a state file and the journal beside it
// (path + ".journal"). The state file is a SaveState snapshot that names
// the generation of the journal that follows it; the journal's first
// record names its generation, and each later record holds the records
// of the vault that one commit changed, written whole.
type stateStore struct {
	path   string
	logger *slog.Logger

	mu      sync.Mutex // orders commits and compactions
	journal *os.File   // nil once closed
	gen     uint64
	size    int64 // bytes in the journal
	limit   int64 // fold the journal into the state file beyond this
	broken  error // a journal that could not be repaired after a failed write
	unlock  func() error
	closed  bool
}

func (s *stateStore) journalPath() string { return s.path + ".journal" }

// openStateFile locks path, removes temporary files that an earlier run
// left behind, and reads the state file and its journal. The state is nil
// when there is no state file yet.
func openStateFile(path string, logger *slog.Logger) (*stateStore, *stateFile, []journalRecord, error) {
	if info, err := os.Stat(path); err == nil && !info.Mode().IsRegular() {
		return nil, nil, nil, fmt.Errorf("read state: %s is not a regular file", path)
	}
	unlock, err := lockStateFile(path + ".lock")
	if err != nil {
		return nil, nil, nil, err
	}
	s := &stateStore{path: path, logger: logger, unlock: unlock}
	st, records, err := s.read()
	if err != nil {
		_ = unlock()
		return nil, nil, nil, err
	}
	return s, st, records, nil
}

func (s *stateStore) read() (*stateFile, []journalRecord, error) {
	if err := removeStaleTemps(s.path); err != nil {
		return nil, nil, err
	}
	var st *stateFile
	data, err := os.ReadFile(s.path)
	switch {
	case err == nil:
		if st, err = decodeState(data); err != nil {
			return nil, nil, fmt.Errorf("state file %s: %w", s.path, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, nil, fmt.Errorf("read state: %w", err)
	}
	data, err = os.ReadFile(s.journalPath())
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return st, nil, nil
	case err != nil:
		return nil, nil, fmt.Errorf("read state journal: %w", err)
	}
	records, torn, err := readJournal(data)
	if err != nil {
		return nil, nil, fmt.Errorf("state journal %s: %w", s.journalPath(), err)
	}
	if torn > 0 {
		s.warn("state journal ends in an unfinished write; dropped it", "bytes", torn)
	}
	if len(records) == 0 {
		return st, nil, nil
	}
	gen, err := checkHeader(records[0])
	if err != nil {
		return nil, nil, fmt.Errorf("state journal %s: %w", s.journalPath(), err)
	}
	var want uint64
	if st != nil {
		want = st.Journal
	}
	switch {
	case gen < want:
		// Left behind by a fold that stopped after writing the state
		// file: everything in it is in the state file.
		return st, nil, nil
	case gen > want:
		return nil, nil, fmt.Errorf("state journal %s (generation %d) is newer than the state file %s (generation %d): "+
			"the state file was replaced or removed; move the journal away to start from the state file alone",
			s.journalPath(), gen, s.path, want)
	}
	return st, records[1:], nil
}

// warn logs a problem that does not stop the emulator.
func (s *stateStore) warn(msg string, args ...any) {
	if s.logger != nil {
		s.logger.Warn("vaulttest: "+msg, append([]any{"path", s.path}, args...)...)
	}
}

// replay applies the journal's records to a vault loaded from the state
// file, sharing keys and certificates through sh.
func (v *vault) replay(records []journalRecord, sh *shared) error {
	for i, r := range records {
		if r.Format != "" || r.Generation != 0 {
			return fmt.Errorf("state journal record %d is a second header", i+1)
		}
		for _, ch := range r.Changes {
			if err := v.apply(ch, sh); err != nil {
				return fmt.Errorf("state journal record %d: %w", i+1, err)
			}
		}
	}
	return nil
}

// commit makes the records that changed durable: the ones the vault
// noted, and extra. It returns once they are in the journal and synced, or
// with the error that kept them out; then they stay noted for the next
// commit.
func (s *stateStore) commit(h *Handler, extra ...recordKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return err
	}
	v := h.vault
	v.mu.Lock()
	for _, k := range extra {
		v.unsaved[k] = struct{}{}
	}
	switch n := len(v.unsaved); {
	case n == 0:
		v.mu.Unlock()
		return nil
	case n > maxChangesPerRecord:
		// Rewriting the whole vault is cheaper than a journal record
		// with this many certificates, each with its own keys.
		v.mu.Unlock()
		return s.compact(h)
	}
	keys := make([]recordKey, 0, len(v.unsaved))
	for k := range v.unsaved {
		keys = append(keys, k)
	}
	changes := make([]change, 0, len(keys))
	for _, k := range keys {
		ch, err := v.change(k)
		if err != nil {
			v.mu.Unlock()
			return err
		}
		changes = append(changes, ch)
	}
	clear(v.unsaved)
	v.mu.Unlock()

	payload, err := json.Marshal(journalRecord{Changes: changes})
	if err == nil {
		err = s.append(frame(payload))
	}
	if err != nil {
		v.mu.Lock()
		for _, k := range keys {
			v.unsaved[k] = struct{}{}
		}
		v.mu.Unlock()
		return err
	}
	if s.size > s.limit {
		if err := s.compact(h); err != nil {
			// The change is in the journal; the fold waits for the next commit.
			s.warn("folding the journal into the state file failed", "error", err)
		}
	}
	return nil
}

func (s *stateStore) usable() error {
	switch {
	case s.broken != nil:
		return s.broken
	case s.closed || s.journal == nil:
		return errors.New("state file is closed")
	}
	return nil
}

// append writes one framed record to the journal and syncs it. On failure
// it cuts the journal back to its last whole record, so that a later
// record never follows a torn one.
func (s *stateStore) append(b []byte) error {
	n, err := s.journal.Write(b)
	if err == nil {
		err = s.journal.Sync()
	}
	if err != nil {
		if terr := s.journal.Truncate(s.size); terr != nil {
			s.broken = fmt.Errorf("state journal unusable after a failed write (%v): %w", err, terr)
		}
		return fmt.Errorf("write state journal: %w", err)
	}
	s.size += int64(n)
	return nil
}

// compact folds the journal into the state file: it writes the whole
// vault as a new state file naming the next generation, then starts an
// empty journal of that generation. A crash between the two leaves a
// journal of the old generation, which the next start ignores. Callers
// hold s.mu.
func (s *stateStore) compact(h *Handler) error {
	gen := s.gen + 1
	st, taken, err := h.state(true)
	if err != nil {
		return err
	}
	restore := func() {
		h.vault.mu.Lock()
		for k := range taken {
			h.vault.unsaved[k] = struct{}{}
		}
		h.vault.mu.Unlock()
	}
	st.Journal = gen
	data, err := json.Marshal(st)
	if err == nil {
		err = atomicfile.WriteFile(s.path, data, 0o600)
	}
	if err != nil {
		restore()
		return fmt.Errorf("save state: %w", err)
	}
	// From here the state file holds every change; the journal must be
	// replaced before the next commit, or the commit would go to a journal
	// the next start ignores.
	hdr, err := json.Marshal(journalRecord{Format: journalFormat, Generation: gen})
	if err != nil {
		s.broken = err
		return err
	}
	header := frame(hdr)
	if s.journal != nil {
		// Closed first: Windows renames nothing over an open file.
		_ = s.journal.Close()
		s.journal = nil
	}
	if err := atomicfile.WriteFile(s.journalPath(), header, 0o600); err != nil {
		s.broken = fmt.Errorf("start state journal: %w", err)
		return s.broken
	}
	f, err := os.OpenFile(s.journalPath(), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		s.broken = fmt.Errorf("open state journal: %w", err)
		return s.broken
	}
	s.journal, s.gen, s.size = f, gen, int64(len(header))
	s.limit = max(minJournalLimit, int64(len(data)))
	return nil
}

// start folds what was read at open into a new state file and journal.
func (s *stateStore) start(h *Handler, gen uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen = gen
	return s.compact(h)
}

// fold writes the whole vault to the state file now, as after LoadState.
func (s *stateStore) fold(h *Handler) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return err
	}
	return s.compact(h)
}

// close folds the journal into the state file, so the next start reads
// one file, and releases the files. Every commit is durable without it.
func (s *stateStore) close(h *Handler) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var err error
	if s.broken == nil {
		err = s.compact(h)
	}
	if s.journal != nil {
		err = errors.Join(err, s.journal.Close())
		s.journal = nil
	}
	return errors.Join(err, s.unlock())
}

// closeStore closes the state file, if any.
func (h *Handler) closeStore() error {
	if h.store == nil {
		return nil
	}
	if err := h.store.close(h); err != nil {
		return fmt.Errorf("vaulttest: state file: %w", err)
	}
	return nil
}

// state returns the whole emulator state. With take, it also takes the
// records noted as changed, which the state now holds, and returns them.
func (h *Handler) state(take bool) (*stateFile, map[recordKey]struct{}, error) {
	v := h.vault
	st := &stateFile{Format: stateFormat, CACert: v.ca.cert.Raw, ClockOffset: h.cfg.clock.offset.Load()}
	var err error
	if st.CAKey, err = marshalKey(v.ca.key); err != nil {
		return nil, nil, err
	}
	if st.TokenKey, err = marshalKey(h.tokens.key); err != nil {
		return nil, nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.snapshotLocked(st); err != nil {
		return nil, nil, err
	}
	var taken map[recordKey]struct{}
	if take && v.unsaved != nil {
		taken, v.unsaved = v.unsaved, map[recordKey]struct{}{}
	}
	return st, taken, nil
}

// persist makes the changes a request or a method made durable before
// they are acknowledged. Without a state file it does nothing.
func (h *Handler) persist(extra ...recordKey) error {
	if h.store == nil {
		return nil
	}
	if err := h.store.commit(h, extra...); err != nil {
		if l := h.cfg.logger; l != nil {
			l.Error("vaulttest: saving the state failed", "path", h.store.path, "error", err)
		}
		return err
	}
	return nil
}

// removeStaleTemps removes the temporary files of the state file and its
// journal that a process killed while writing them left behind.
func removeStaleTemps(path string) error {
	dir := filepath.Dir(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read state directory: %w", err)
	}
	prefixes := []string{atomicfile.TempPrefix(path), atomicfile.TempPrefix(path + ".journal")}
	for _, e := range entries {
		if e.IsDir() || !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(e.Name(), p) }) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove stale temporary file: %w", err)
		}
	}
	return nil
}
