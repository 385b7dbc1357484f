package checkpoint

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/palisade-gw/palisade/internal/audit/tlog"
)

// fileSuffix ends the name of a checkpoint file: <size>.checkpoint.
const fileSuffix = ".checkpoint"

// FileName returns the name of the file that holds the checkpoint of size
// events in a checkpoint directory.
func FileName(size int64) string { return strconv.FormatInt(size, 10) + fileSuffix }

// writeFile stores msg as dir/<size>.checkpoint, atomically: written to a
// temporary file, flushed, then renamed, so a reader never sees half a
// checkpoint. A file already there with the same bytes is left alone; one
// with other bytes is never replaced (it is evidence of another history)
// and the write fails with ErrInconsistent.
func writeFile(dir string, size int64, msg []byte) error {
	path := filepath.Join(dir, FileName(size))
	switch old, err := os.ReadFile(path); {
	case err == nil && bytes.Equal(old, msg):
		return nil
	case err == nil:
		return fmt.Errorf("%w: %s holds another checkpoint of %d events; not replacing it", ErrInconsistent, path, size)
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("checkpoint: %w", err)
	}
	f, err := os.CreateTemp(dir, ".tmp-*"+fileSuffix)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("checkpoint: %w", err)
	}
	if _, err := f.Write(msg); err != nil {
		f.Close()
		return fmt.Errorf("checkpoint: write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("checkpoint: sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("checkpoint: close %s: %w", tmp, err)
	}
	// os.Link fails if path appeared meanwhile (another replica sharing
	// the directory), where a rename would replace it unseen.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			if old, rerr := os.ReadFile(path); rerr == nil && bytes.Equal(old, msg) {
				return nil
			}
			return fmt.Errorf("%w: %s holds another checkpoint of %d events; not replacing it", ErrInconsistent, path, size)
		}
		return fmt.Errorf("checkpoint: %w", err)
	}
	return syncDir(dir)
}

// syncDir flushes a directory's entries, so a new file's name is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("checkpoint: sync %s: %w", dir, err)
	}
	return nil
}

// ReadDir returns the checkpoints of the log origin kept in dir (files
// named <size>.checkpoint; other files are ignored), ordered by size. It
// fails closed: a file that does not open with verifiers (unknown key, bad
// signature, another log, not a checkpoint) or whose size is not the one
// its name says is an error naming the file. A missing directory holds no
// checkpoints.
func ReadDir(dir, origin string, verifiers note.Verifiers) ([]tlog.Checkpoint, error) {
	files, err := listDir(dir)
	if err != nil {
		return nil, err
	}
	out := make([]tlog.Checkpoint, 0, len(files))
	for _, f := range files {
		c, err := openFile(f, origin, verifiers)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// dirFile is a checkpoint file and the size its name gives.
type dirFile struct {
	path string
	size int64
}

// listDir returns the checkpoint files of dir ordered by size.
func listDir(dir string) ([]dirFile, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint: read directory: %w", err)
	}
	var files []dirFile
	for _, e := range entries {
		name := e.Name()
		digits, ok := strings.CutSuffix(name, fileSuffix)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		size, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || size < 0 || strconv.FormatInt(size, 10) != digits {
			continue // not ours: a temporary file, a copy
		}
		files = append(files, dirFile{filepath.Join(dir, name), size})
	}
	slices.SortFunc(files, func(a, b dirFile) int { return cmp.Compare(a.size, b.size) })
	return files, nil
}

// openFile reads and opens one checkpoint file.
func openFile(f dirFile, origin string, verifiers note.Verifiers) (tlog.Checkpoint, error) {
	msg, err := os.ReadFile(f.path)
	if err != nil {
		return tlog.Checkpoint{}, fmt.Errorf("checkpoint: %w", err)
	}
	c, err := tlog.Open(msg, origin, verifiers)
	if err != nil {
		return tlog.Checkpoint{}, fmt.Errorf("checkpoint file %s: %w", f.path, err)
	}
	if c.Size != f.size {
		return tlog.Checkpoint{}, fmt.Errorf("checkpoint file %s: %w: it signs %d events", f.path, tlog.ErrMalformedCheckpoint, c.Size)
	}
	return c, nil
}

// latestFile opens the largest checkpoint of dir; ok is false when there
// is none.
func latestFile(dir, origin string, verifiers note.Verifiers) (c tlog.Checkpoint, ok bool, err error) {
	files, err := listDir(dir)
	if err != nil || len(files) == 0 {
		return tlog.Checkpoint{}, false, err
	}
	c, err = openFile(files[len(files)-1], origin, verifiers)
	return c, err == nil, err
}
