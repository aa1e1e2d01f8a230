package httpapi_test

import (
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// contractOp is one operation of today's generated client (sdk.gen.ts).
type contractOp struct {
	method, path, fn string
	params, query    []string
	body, media      string // body schema ("" none) and its media type
	optionalBody     bool
	resp             string // response schema: "Name", "[]Name", or "" (inline)
}

// contractSchemaName is a schema name as the client generator writes it:
// '-' (FastAPI's form-body names carry the operation id) becomes '_'.
func contractSchemaName(s string) string { return strings.ReplaceAll(s, "-", "_") }

var (
	tsTypeRE   = regexp.MustCompile(`(?m)^export type (\w+) =`)
	tsMethodRE = regexp.MustCompile(`public static (\w+)\(\s*(?:data: (\w+),?)?\s*\): CancelablePromise<(\w+)>`)
	tsFieldRE  = regexp.MustCompile(`(?m)^\s*(\w+): data\.\w+,?$`)
)

// contractTypes maps each type name of types.gen.ts to its definition.
func contractTypes(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile("testdata/contract/types.gen.ts")
	require.NoError(t, err)
	src := string(raw)
	locs := tsTypeRE.FindAllStringSubmatchIndex(src, -1)
	out := map[string]string{}
	for i, l := range locs {
		end := len(src)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		def := src[l[1]:end]
		// Drop the doc comment of the next type.
		if j := strings.LastIndex(def, "/**"); j >= 0 {
			def = def[:j]
		}
		out[src[l[2]:l[3]]] = strings.TrimSpace(def)
	}
	return out
}

// contractRef resolves a type of the client to a schema name: "Name",
// "[]Name", or "" for an inline shape.
func contractRef(def string, types map[string]string) string {
	def = strings.TrimSuffix(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(def), "| null")), "| null")
	def = strings.TrimSpace(def)
	if m := regexp.MustCompile(`^Array<(\w+)>$`).FindStringSubmatch(def); m != nil {
		return "[]" + m[1]
	}
	if regexp.MustCompile(`^\w+$`).MatchString(def) {
		if _, ok := types[def]; ok && !isContractAlias(def) {
			return def
		}
		if inner, ok := types[def]; ok {
			return contractRef(inner, types)
		}
	}
	return ""
}

// isContractAlias reports whether name is one of the per-operation types
// (…Data, …Response) rather than a schema.
func isContractAlias(name string) bool {
	return regexp.MustCompile(`^(Auth|Canvas|Questions|Quiz|QuizSharing|Users|Utils)[A-Z]\w*(Data|Response)$`).MatchString(name) &&
		name != "QuizInviteResponse" && name != "QuizCollaboratorsResponse"
}

// contractOps parses sdk.gen.ts.
func contractOps(t *testing.T, types map[string]string) []contractOp {
	t.Helper()
	raw, err := os.ReadFile("testdata/contract/sdk.gen.ts")
	require.NoError(t, err)
	src := string(raw)
	locs := tsMethodRE.FindAllStringSubmatchIndex(src, -1)
	require.NotEmpty(t, locs)
	field := func(block, name string) []string {
		m := regexp.MustCompile(`(?s)\b` + name + `: \{(.*?)\}`).FindStringSubmatch(block)
		if m == nil {
			return nil
		}
		var out []string
		for _, f := range tsFieldRE.FindAllStringSubmatch(m[1], -1) {
			out = append(out, f[1])
		}
		sort.Strings(out)
		return out
	}
	var ops []contractOp
	for i, l := range locs {
		end := len(src)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		block := src[l[1]:end]
		op := contractOp{fn: src[l[2]:l[3]]}
		op.method = regexp.MustCompile(`method: "(\w+)"`).FindStringSubmatch(block)[1]
		op.path = regexp.MustCompile(`url: "([^"]+)"`).FindStringSubmatch(block)[1]
		op.params, op.query = field(block, "path"), field(block, "query")
		if m := regexp.MustCompile(`mediaType: "([^"]+)"`).FindStringSubmatch(block); m != nil {
			op.media = m[1]
		}
		if l[4] >= 0 {
			data := types[src[l[4]:l[5]]]
			if m := regexp.MustCompile(`(?m)^\s*(requestBody|formData)(\??): (.+)$`).FindStringSubmatch(data); m != nil {
				op.body, op.optionalBody = contractRef(m[3], types), m[2] == "?"
			}
		}
		op.resp = contractRef(types[src[l[6]:l[7]]], types)
		ops = append(ops, op)
	}
	return ops
}

// docRef reads a schema reference of the root document the way
// contractRef names them.
func docRef(schema any) string {
	m, _ := schema.(map[string]any)
	if ref, ok := m["$ref"].(string); ok {
		return contractSchemaName(strings.TrimPrefix(ref, "#/components/schemas/"))
	}
	if m["type"] == "array" {
		if inner := docRef(m["items"]); inner != "" && !strings.HasPrefix(inner, "[]") {
			return "[]" + inner
		}
	}
	return ""
}

// camel is the client's method name for an operation id: the part after
// the tag, in lower camel case.
func camel(opID, tag string) string {
	fn := strings.TrimPrefix(opID, tag+"-")
	parts := strings.Split(fn, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// TestHeadContract: every operation today's frontend's generated client
// calls is in the root OpenAPI document with the same method, path, path
// and query parameter names, operation id (the client's method name),
// request body schema and media type, and 200 schema; and every schema
// the client names is in the document.
func TestHeadContract(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPublisher(nopJobs{}))
	doc := accountDoc(t, e, "/openapi.json")
	paths := doc["paths"].(map[string]any)
	schemas := map[string]bool{}
	for name := range doc["components"].(map[string]any)["schemas"].(map[string]any) {
		schemas[contractSchemaName(name)] = true
	}
	types := contractTypes(t)
	ops := contractOps(t, types)
	require.Len(t, ops, 37, "today's 37 routes")

	var missing []string
	for _, want := range ops {
		name := want.method + " " + want.path
		item, _ := paths[want.path].(map[string]any)
		op, _ := item[strings.ToLower(want.method)].(map[string]any)
		if op == nil {
			missing = append(missing, name)
			continue
		}
		id, _ := op["operationId"].(string)
		tag, _ := asList(op["tags"])[0].(string)
		assert.Equal(t, want.fn, camel(id, tag), "%s: operation id %s", name, id)
		var params, query []string
		for _, p := range asList(op["parameters"]) {
			pm := p.(map[string]any)
			if pm["in"] == "path" {
				params = append(params, pm["name"].(string))
			} else if pm["in"] == "query" {
				query = append(query, pm["name"].(string))
			}
		}
		sort.Strings(params)
		sort.Strings(query)
		assert.Equal(t, want.params, params, "%s: path parameters", name)
		assert.Equal(t, want.query, query, "%s: query parameters", name)

		body, _ := op["requestBody"].(map[string]any)
		if want.body == "" {
			assert.Nil(t, body, "%s: no body", name)
		} else if assert.NotNil(t, body, "%s: a body", name) {
			content := body["content"].(map[string]any)
			media, _ := content[want.media].(map[string]any)
			if assert.NotNil(t, media, "%s: body as %s", name, want.media) {
				assert.Equal(t, want.body, docRef(media["schema"]), "%s: body schema", name)
			}
			assert.Equal(t, !want.optionalBody, body["required"], "%s: body required", name)
		}

		if want.resp != "" {
			ok, _ := asMap(op["responses"])["200"].(map[string]any)
			if assert.NotNil(t, ok, "%s: 200", name) {
				schema := asMap(asMap(asMap(ok["content"])["application/json"]))["schema"]
				assert.Equal(t, want.resp, docRef(schema), "%s: response schema", name)
			}
		}
	}
	assert.Empty(t, missing, "operations of today's client missing from /openapi.json")

	// Every schema of the client (not the per-operation aliases) exists.
	var absent []string
	for name := range types {
		if !isContractAlias(name) && !schemas[name] {
			absent = append(absent, name)
		}
	}
	slices.Sort(absent)
	assert.Empty(t, absent, "schemas of today's client missing from /openapi.json")
}

func asList(v any) []any { l, _ := v.([]any); return l }

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }
