// Package demo holds the assets of `palisade demo`: the HR-helpdesk
// knowledge base of the fictional company Northwind Robotics.
package demo

import (
	"embed"
	"io/fs"
)

//go:embed knowledge
var files embed.FS

// Knowledge returns the demo knowledge base; its root holds one directory
// per knowledge source (hr/).
func Knowledge() fs.FS {
	sub, err := fs.Sub(files, "knowledge")
	if err != nil {
		panic("demo: embedded knowledge missing: " + err.Error())
	}
	return sub
}
