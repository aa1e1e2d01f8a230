package generation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"quizgen/internal/canvas"
	"quizgen/internal/content"
	"quizgen/internal/pipeline"
	"quizgen/internal/quiz"
)

// TypeManual is the type of the item a manual module's content is stored
// as in the extracted content (content.TypePage and content.TypeFile are
// Canvas's).
const TypeManual = "manual"

// extractModules extracts the content of every module of q (q.Modules,
// the teacher's order; a v1 quiz's are its selected modules) and returns
// the stored document {"module_<module id>": [items...], ...}, one key per
// module, the form llm.Chunks reads and a batch takes its module's content
// from. A Canvas module's pages and files are read from Canvas through the
// Extractor (only when the quiz has one, so a quiz of manual modules needs
// no Canvas token); a manual module is not fetched: the text the teacher
// pasted, or the text extracted from its PDFs, is its one item (titled
// with the module's name, type TypeManual). Both kinds are bounded by the
// same limits (contentLimits): a manual text shorter than
// MinContentLength gives no item, a longer one than MaxContentLength is
// cut, and once the running total over the modules, in order, exceeds
// MaxTotalContentSize every later item is left out.
func (g *Generator) extractModules(ctx context.Context, q quiz.Quiz) (json.RawMessage, content.Summary, error) {
	var ids []int64
	for _, m := range q.Modules {
		if m.Source == quiz.SourceManual {
			continue
		}
		id, ok := m.CanvasID()
		if !ok {
			return nil, content.Summary{}, pipeline.Permanent(fmt.Errorf("module %q has no Canvas module id", m.ID),
				"Content extraction failed: a module has no valid Canvas module id.")
		}
		ids = append(ids, id)
	}
	var res content.Result
	if len(ids) > 0 {
		tok, err := g.Token(ctx, q)
		if err != nil {
			return nil, content.Summary{}, pipeline.Fail(err, pipeline.TokenReason(err))
		}
		res, err = g.Extractor.Extract(ctx, tok, q.CanvasCourseID, ids)
		if err != nil {
			reason := "Content extraction failed: " + pipeline.SafeReason(err)
			if errors.Is(err, canvas.ErrUnauthorized) {
				reason = "Canvas refused the access token. Please sign in again and retry."
			}
			return nil, content.Summary{}, pipeline.Fail(err, reason)
		}
	}
	fromCanvas := make(map[string][]content.Item, len(res.Modules))
	for _, m := range res.Modules {
		fromCanvas[strconv.FormatInt(m.ID, 10)] = m.Items
	}
	lim := g.contentLimits()
	sum := content.Summary{Skipped: len(res.Skipped)}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	b.WriteByte('{')
	seen := make(map[string]bool, len(q.Modules))
	total := 0
	for _, m := range q.Modules {
		if seen[m.ID] {
			continue
		}
		seen[m.ID] = true
		items := fromCanvas[m.ID]
		if m.Source == quiz.SourceManual {
			items = manualItems(m, lim)
			if len(items) == 0 {
				sum.Skipped++
			}
		}
		kept := make([]content.Item, 0, len(items))
		for _, it := range items {
			if total > lim.MaxTotalContentSize {
				sum.Skipped++
				continue
			}
			kept = append(kept, it)
			n := utf8.RuneCountInString(it.Content)
			total += n
			sum.Items++
			sum.Characters += n
			sum.Words += len(strings.Fields(it.Content))
		}
		if sum.Modules > 0 {
			b.WriteByte(',')
		}
		sum.Modules++
		key, err := json.Marshal("module_" + m.ID)
		if err != nil {
			return nil, content.Summary{}, pipeline.Permanent(err, "Content extraction failed.")
		}
		b.Write(key)
		b.WriteByte(':')
		if err := enc.Encode(kept); err != nil {
			return nil, content.Summary{}, pipeline.Permanent(fmt.Errorf("encode module %s: %w", m.ID, err), "Content extraction failed.")
		}
		b.Truncate(b.Len() - 1) // Encode's newline
	}
	b.WriteByte('}')
	return b.Bytes(), sum, nil
}

// manualItems is the content of manual module m: its text as one item,
// cut to lim.MaxContentLength characters, or none when it is shorter than
// lim.MinContentLength (as a Canvas page or file would be).
func manualItems(m quiz.ModuleSpec, lim content.Limits) []content.Item {
	if m.Manual == nil {
		return nil
	}
	text := strings.TrimSpace(m.Manual.Text)
	if utf8.RuneCountInString(text) < lim.MinContentLength {
		return nil
	}
	title := m.Name
	if title == "" {
		title = "Untitled"
	}
	return []content.Item{{Title: title, Content: strings.TrimSpace(truncate(text, lim.MaxContentLength)), Type: TypeManual}}
}

// contentLimits are the limits of the Canvas extraction (the Extractor's
// when it is a *content.Extractor, field by field defaulting to
// content.DefaultLimits as it does), which manual content is bounded by
// too.
func (g *Generator) contentLimits() content.Limits {
	var l content.Limits
	if e, ok := g.Extractor.(*content.Extractor); ok && e != nil {
		l = e.Limits
	}
	return l.WithDefaults()
}
