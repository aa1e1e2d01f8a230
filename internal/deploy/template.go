// Package deploy reads the SAM template (template.yaml at the repository
// root) so that its tests can check it against the code: handlers, queues,
// dead-letter queues, batch settings, timeouts against the job leases, IAM
// statements against the AWS calls, environment variables against the
// configuration package, and the connection budget.
//
// The template is YAML with CloudFormation's short-form intrinsics (!Ref,
// !Sub, !GetAtt, !If, ...). Load turns every short form into its long
// form ({"Ref": x}, {"Fn::Sub": x}, {"Fn::GetAtt": [resource, attribute]},
// ...), so the rest works on plain maps, slices and scalars, decoded into
// this package's structs through JSON.
package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Template is the part of a SAM template the checks read.
type Template struct {
	Transform  any                  `json:"Transform"`
	Parameters map[string]Parameter `json:"Parameters"`
	Conditions map[string]any       `json:"Conditions"`
	Resources  map[string]Resource  `json:"Resources"`
	Outputs    map[string]any       `json:"Outputs"`
}

// Parameter is a template parameter. Numbers are kept as written.
type Parameter struct {
	Type          string `json:"Type"`
	Default       any    `json:"Default"`
	AllowedValues []any  `json:"AllowedValues"`
	MinValue      any    `json:"MinValue"`
	MaxValue      any    `json:"MaxValue"`
}

// Resource is one resource; Properties are decoded by the caller into the
// struct of its type.
type Resource struct {
	Type       string          `json:"Type"`
	Condition  string          `json:"Condition"`
	DependsOn  any             `json:"DependsOn"`
	Metadata   map[string]any  `json:"Metadata"`
	Properties json.RawMessage `json:"Properties"`
}

// Function is the part of AWS::Serverless::Function the checks read.
type Function struct {
	CodeURI                      any      `json:"CodeUri"`
	Handler                      string   `json:"Handler"`
	Runtime                      string   `json:"Runtime"`
	Architectures                []string `json:"Architectures"`
	Timeout                      any      `json:"Timeout"`
	MemorySize                   any      `json:"MemorySize"`
	ReservedConcurrentExecutions any      `json:"ReservedConcurrentExecutions"`
	Tracing                      string   `json:"Tracing"`
	LoggingConfig                struct {
		LogFormat string `json:"LogFormat"`
	} `json:"LoggingConfig"`
	VpcConfig            map[string]any `json:"VpcConfig"`
	AutoPublishAlias     string         `json:"AutoPublishAlias"`
	DeploymentPreference *struct {
		Type   string `json:"Type"`
		Alarms []any  `json:"Alarms"`
	} `json:"DeploymentPreference"`
	Environment struct {
		Variables map[string]any `json:"Variables"`
	} `json:"Environment"`
	Policies []any            `json:"Policies"`
	Events   map[string]Event `json:"Events"`
}

// Event is one event source of a function.
type Event struct {
	Type       string          `json:"Type"`
	Properties json.RawMessage `json:"Properties"`
}

// SQSEvent is the Properties of an SQS event source.
type SQSEvent struct {
	Queue                          any      `json:"Queue"`
	BatchSize                      any      `json:"BatchSize"`
	MaximumBatchingWindowInSeconds any      `json:"MaximumBatchingWindowInSeconds"`
	FunctionResponseTypes          []string `json:"FunctionResponseTypes"`
	ScalingConfig                  *struct {
		MaximumConcurrency any `json:"MaximumConcurrency"`
	} `json:"ScalingConfig"`
}

// Queue is the part of AWS::SQS::Queue the checks read.
type Queue struct {
	VisibilityTimeout any `json:"VisibilityTimeout"`
	RedrivePolicy     *struct {
		DeadLetterTargetArn any `json:"deadLetterTargetArn"`
		MaxReceiveCount     any `json:"maxReceiveCount"`
	} `json:"RedrivePolicy"`
}

// Load reads and parses the template at path.
func Load(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// Parse parses a template.
func Parse(b []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	tree, err := longForm(&doc)
	if err != nil {
		return nil, err
	}
	js, err := json.Marshal(tree)
	if err != nil {
		return nil, fmt.Errorf("template to JSON: %w", err)
	}
	var t Template
	if err := json.Unmarshal(js, &t); err != nil {
		return nil, fmt.Errorf("decode template: %w", err)
	}
	return &t, nil
}

// Properties decodes the properties of resource name into v.
func (t *Template) Properties(name string, v any) error {
	r, ok := t.Resources[name]
	if !ok {
		return fmt.Errorf("no resource %s", name)
	}
	if err := json.Unmarshal(r.Properties, v); err != nil {
		return fmt.Errorf("properties of %s: %w", name, err)
	}
	return nil
}

// isFunctionTag reports whether "!name" is the short form of
// {"Fn::name": value}.
func isFunctionTag(name string) bool {
	switch name {
	case "Sub", "If", "Join", "Split", "Select", "Equals", "Not", "And", "Or",
		"FindInMap", "Base64", "Cidr", "ImportValue", "GetAZs", "Transform",
		"Length", "ToJsonString":
		return true
	}
	return false
}

// longForm converts a YAML node into plain values with every short-form
// intrinsic in its long form.
func longForm(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return longForm(n.Content[0])
	case yaml.AliasNode:
		return longForm(n.Alias)
	}
	tag := n.Tag
	if strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") {
		name := tag[1:]
		plain := *n
		plain.Tag = ""
		if n.Kind == yaml.ScalarNode {
			plain.Tag = "!!str"
		}
		v, err := longForm(&plain)
		if err != nil {
			return nil, err
		}
		switch {
		case name == "Ref":
			return map[string]any{"Ref": v}, nil
		case name == "Condition":
			return map[string]any{"Condition": v}, nil
		case name == "GetAtt":
			if s, ok := v.(string); ok {
				res, attr, found := strings.Cut(s, ".")
				if !found {
					return nil, fmt.Errorf("line %d: !GetAtt %q has no attribute", n.Line, s)
				}
				return map[string]any{"Fn::GetAtt": []any{res, attr}}, nil
			}
			return map[string]any{"Fn::GetAtt": v}, nil
		case isFunctionTag(name):
			return map[string]any{"Fn::" + name: v}, nil
		default:
			return nil, fmt.Errorf("line %d: unknown tag %s", n.Line, tag)
		}
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			var k string
			if err := n.Content[i].Decode(&k); err != nil {
				return nil, fmt.Errorf("line %d: key: %w", n.Content[i].Line, err)
			}
			v, err := longForm(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := longForm(c)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	default:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, nil
	}
}

// Int is a number of the template, written as is (a number or a numeric
// string) or as a Ref to a parameter, whose Default it then is.
func (t *Template) Int(v any) (int, error) {
	switch x := v.(type) {
	case float64:
		if x != float64(int(x)) {
			return 0, fmt.Errorf("%v is not an integer", x)
		}
		return int(x), nil
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil {
			return 0, fmt.Errorf("%q is not an integer", x)
		}
		return n, nil
	case map[string]any:
		if ref, ok := x["Ref"].(string); ok {
			return t.ParamInt(ref)
		}
	}
	return 0, fmt.Errorf("not a number or a parameter: %v", v)
}

// ParamInt is the Default of parameter name as an integer.
func (t *Template) ParamInt(name string) (int, error) {
	p, ok := t.Parameters[name]
	if !ok {
		return 0, fmt.Errorf("parameter %s is missing", name)
	}
	if p.Default == nil {
		return 0, fmt.Errorf("parameter %s has no Default", name)
	}
	if _, isRef := p.Default.(map[string]any); isRef {
		return 0, fmt.Errorf("parameter %s: Default is not a scalar", name)
	}
	n, err := t.Int(p.Default)
	if err != nil {
		return 0, fmt.Errorf("parameter %s: Default %w", name, err)
	}
	return n, nil
}
