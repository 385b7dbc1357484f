package inject

import "testing"

// reportsAll fails t for each text d does not report.
func reportsAll(t *testing.T, d *Detector, texts []string) {
	t.Helper()
	for _, q := range texts {
		if fs := d.Detect(nil, q); len(fs) == 0 {
			t.Errorf("%q not reported", q)
		}
	}
}

// passesAll fails t for each text d reports.
func passesAll(t *testing.T, d *Detector, texts []string) {
	t.Helper()
	for _, q := range texts {
		if fs := d.Detect(nil, q); len(fs) > 0 {
			t.Errorf("%q reported: %v", q, fs)
		}
	}
}
