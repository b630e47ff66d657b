package vaulttest

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
)

// journalFormat names the layout of the journal beside a state file.
const journalFormat = "kvcerts-vaulttest-journal/1"

// maxJournalRecord bounds one journal record. A length above it is a torn
// or damaged header, not a record.
const maxJournalRecord = 1 << 28

// journalHeaderSize is the framing before each record's payload: its
// length and its CRC-32C, both big-endian uint32.
const journalHeaderSize = 8

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// journalRecord is one record of the journal: the first names the format
// and the generation of the state file it follows; each later one holds
// the changes one commit made durable.
type journalRecord struct {
	Format     string   `json:"format,omitempty"`
	Generation uint64   `json:"generation,omitempty"`
	Changes    []change `json:"changes,omitempty"`
}

// change is the whole current state of one record of the vault: a
// certificate name (live, soft-deleted and being purged), an issuer, or the
// contacts, or the emulator's clock. Replaying it replaces what the vault
// held under that name.
// State carries its own key and certificate tables.
type change struct {
	Certificate string     `json:"certificate,omitempty"` // name key
	Issuer      string     `json:"issuer,omitempty"`      // name key
	Contacts    bool       `json:"contacts,omitempty"`
	Clock       bool       `json:"clock,omitempty"` // the clock's offset
	State       *stateFile `json:"state"`
}

// frame returns payload with its journal framing.
func frame(payload []byte) []byte {
	b := make([]byte, journalHeaderSize, journalHeaderSize+len(payload))
	binary.BigEndian.PutUint32(b, uint32(len(payload)))
	binary.BigEndian.PutUint32(b[4:], crc32.Checksum(payload, castagnoli))
	return append(b, payload...)
}

// readJournal splits a journal into its records. It stops at the first
// record that is cut short or fails its checksum, a write that never
// finished, and reports how many bytes it left unread there. A journal
// without a complete first record has no records.
func readJournal(data []byte) (records []journalRecord, torn int, err error) {
	off := 0
	for off < len(data) {
		rest := data[off:]
		if len(rest) < journalHeaderSize {
			return records, len(rest), nil
		}
		n := binary.BigEndian.Uint32(rest)
		// No record is empty: zeros are blocks a power loss left unwritten.
		if n == 0 || n > maxJournalRecord || uint64(n) > uint64(len(rest)-journalHeaderSize) {
			return records, len(rest), nil
		}
		payload := rest[journalHeaderSize : journalHeaderSize+int(n)]
		if crc32.Checksum(payload, castagnoli) != binary.BigEndian.Uint32(rest[4:]) {
			return records, len(rest), nil
		}
		var r journalRecord
		if err := json.Unmarshal(payload, &r); err != nil {
			// The checksum held, so this is what was written: a bug or a
			// different program, not a torn write. Refuse it.
			return nil, 0, fmt.Errorf("journal record at byte %d is not valid JSON: %w", off, err)
		}
		records = append(records, r)
		off += journalHeaderSize + int(n)
	}
	return records, 0, nil
}

// checkHeader checks the first record of a journal and returns its
// generation.
func checkHeader(r journalRecord) (uint64, error) {
	if r.Format != journalFormat {
		return 0, fmt.Errorf("journal format %q is not %q", r.Format, journalFormat)
	}
	if r.Generation == 0 || len(r.Changes) > 0 {
		return 0, errors.New("journal header has no generation or carries changes")
	}
	return r.Generation, nil
}
