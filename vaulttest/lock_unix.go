//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package vaulttest

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockStateFile takes an exclusive lock on the file at path, creating it,
// so that two servers never write one state file. The lock goes with the
// process, also when it is killed; unlock releases it.
func lockStateFile(path string) (unlock func() error, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock state file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("state file is in use by another emulator (%s is locked)", path)
		}
		return nil, fmt.Errorf("lock state file: %w", err)
	}
	return f.Close, nil
}
