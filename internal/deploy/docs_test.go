package deploy_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// thisFile is skipped by TestNoReferenceOutsideRepository: its pattern
// names what it looks for.
const thisFile = "internal/deploy/docs_test.go"

// outsideRef matches a reference to the documents that lived outside the
// repository (the original app's spec, the design and style notes beside
// the clone), which a person cloning the repository does not have.
var outsideRef = regexp.MustCompile(`\b(SPEC|DESIGN|STYLE)\b|SPEC-HEAD|\.\./shared`)

// docsCite matches a citation of a page of docs/ and, in the form
// "docs/<page>.md, <Section>", the section it names.
var docsCite = regexp.MustCompile(`docs/([A-Za-z0-9_-]+\.md)(?:,[ ]+([^),;:.(\n]+))?`)

// commentBreak is a line break inside a comment or a paragraph, with the
// next line's comment marker: citations wrap across it.
var commentBreak = regexp.MustCompile(`[ \t]*\n[ \t]*(?://|--|;;|#)?[ \t]*`)

// trackedTextFiles returns the repository's tracked files that are text,
// by path relative to the root, with their contents.
func trackedTextFiles(t *testing.T) map[string][]byte {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "-z")
	cmd.Dir = root
	out, err := cmd.Output()
	require.NoError(t, err, "git ls-files (the test reads the tracked files)")
	files := map[string][]byte{}
	for _, p := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		b, err := os.ReadFile(filepath.Join(root, p))
		if os.IsNotExist(err) {
			continue // deleted in the working tree, not yet committed
		}
		require.NoError(t, err)
		if bytes.IndexByte(b, 0) >= 0 {
			continue // binary
		}
		files[p] = b
	}
	require.NotEmpty(t, files)
	return files
}

// TestNoReferenceOutsideRepository: nothing outside docs/ points to a
// document the repository does not hold; comments cite docs/ or the
// README instead (docs/style.md, Doc comments).
func TestNoReferenceOutsideRepository(t *testing.T) {
	t.Parallel()
	for p, b := range trackedTextFiles(t) {
		if strings.HasPrefix(p, "docs/") || p == thisFile {
			continue
		}
		for i, line := range strings.Split(string(b), "\n") {
			if m := outsideRef.FindString(line); m != "" {
				t.Errorf("%s:%d names %q, which is not in the repository: cite docs/ or the README\n\t%s",
					p, i+1, m, strings.TrimSpace(line))
			}
		}
	}
}

// TestDocsCitationsExist: every docs/<page>.md cited anywhere exists, and
// a section cited as "docs/<page>.md, <Section>" is a heading of it.
func TestDocsCitationsExist(t *testing.T) {
	t.Parallel()
	headings := map[string]map[string]bool{}
	sections := func(page string) (map[string]bool, bool) {
		if h, ok := headings[page]; ok {
			return h, h != nil
		}
		b, err := os.ReadFile(filepath.Join(root, "docs", page))
		if err != nil {
			headings[page] = nil
			return nil, false
		}
		h := map[string]bool{}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "#") {
				h[strings.TrimSpace(strings.TrimLeft(line, "#"))] = true
			}
		}
		headings[page] = h
		return h, true
	}
	cited := 0
	for p, b := range trackedTextFiles(t) {
		text := commentBreak.ReplaceAllString(string(b), " ")
		for _, m := range docsCite.FindAllStringSubmatch(text, -1) {
			cited++
			h, ok := sections(m[1])
			if !assert.True(t, ok, "%s cites docs/%s, which does not exist", p, m[1]) {
				continue
			}
			if sec := strings.TrimSpace(m[2]); sec != "" {
				assert.True(t, h[sec], "%s cites section %q of docs/%s, which has no such heading", p, sec, m[1])
			}
		}
	}
	assert.Positive(t, cited, "no citation of docs/ found: is the pattern broken?")
}
