// Package atomicfile replaces files so that readers, and the file after a
// crash, see the old or the new content, never a part.
package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
)

// WriteFile writes data to a temporary file beside path (named with
// TempPrefix), syncs it, renames it over path and syncs the directory, so
// that path holds the old or the new content, never a part, and keeps the
// new content once this returns.
func WriteFile(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, TempPrefix(path)+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

// TempPrefix is the name prefix of the temporary files WriteFile creates
// for path, which a process killed while writing leaves behind.
func TempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// syncDir makes a rename in dir durable. Windows cannot sync a directory
// and makes renames durable itself.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	return errors.Join(err, d.Close())
}
