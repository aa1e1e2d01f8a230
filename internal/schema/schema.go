// Package schema runs the database migrations for functions/migrate: as a
// Lambda handler (plain commands and CloudFormation custom-resource
// events, so a deploy migrates the schema) and as a command-line tool with
// the same commands. It always connects straight to PostgreSQL
// (DATABASE_DIRECT_URL), never through the pooler.
package schema

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
)

// Command is a migration request: {"command":"up"},
// {"command":"down","steps":N}, {"command":"version"} or
// {"command":"force","version":V}.
type Command struct {
	Command string `json:"command"`
	Steps   int    `json:"steps,omitempty"`
	Version *int   `json:"version,omitempty"`
}

// Result is what every command answers.
type Result struct {
	Command string `json:"command"`
	Version uint   `json:"version"`
	Dirty   bool   `json:"dirty"`
	// Expected is the newest migration this build carries.
	Expected uint `json:"expected"`
}

// Runner runs commands against one database.
type Runner struct {
	// DirectURL reaches PostgreSQL itself.
	DirectURL string
	// LockTimeout is how long a run waits for a concurrent one.
	LockTimeout time.Duration
	Log         *slog.Logger
}

// Run executes c.
func (r Runner) Run(ctx context.Context, c Command) (Result, error) {
	switch c.Command {
	case "up", "version":
	case "down":
		if c.Steps < 1 {
			return Result{}, errors.New(`"down" needs "steps" of at least 1 (rolling back everything is "steps": 999)`)
		}
	case "force":
		if c.Version == nil || *c.Version < -1 {
			return Result{}, errors.New(`"force" needs "version" (a migration number, or -1 for none)`)
		}
	default:
		return Result{}, fmt.Errorf("unknown command %q (want up, down, version or force)", c.Command)
	}
	expected, err := MigrationVersion()
	if err != nil {
		return Result{}, err
	}
	m, err := NewMigrator(ctx, r.DirectURL, r.LockTimeout, r.Log)
	if err != nil {
		return Result{}, err
	}
	defer m.Close()

	switch c.Command {
	case "up":
		err = m.Up()
	case "down":
		err = m.Down(c.Steps)
	case "force":
		err = m.Force(*c.Version)
	}
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", c.Command, err)
	}
	v, dirty, err := m.Version()
	if err != nil {
		return Result{}, err
	}
	res := Result{Command: c.Command, Version: v, Dirty: dirty, Expected: expected}
	r.Log.InfoContext(ctx, "migration command done", "command", c.Command, "version", v, "dirty", dirty, "expected", expected)
	if dirty {
		return res, DirtyError{Version: int(v)}
	}
	return res, nil
}

// customResourceID is the physical id of the schema resource: constant, so
// an update never makes CloudFormation "replace" (and delete) the schema.
const customResourceID = "quizgen-schema"

// Handler returns the Lambda handler. It takes a Command, or a
// CloudFormation custom-resource event, which it always answers (SUCCESS
// or FAILED with the reason) at the event's ResponseURL: Create and Update
// migrate up; Delete leaves the schema alone (data outlives the stack).
func (r Runner) Handler() func(ctx context.Context, raw json.RawMessage) (any, error) {
	onEvent := cfn.LambdaWrap(func(ctx context.Context, ev cfn.Event) (string, map[string]any, error) {
		r.Log.InfoContext(ctx, "custom resource event", "request_type", ev.RequestType, "logical_id", ev.LogicalResourceID)
		if ev.RequestType == cfn.RequestDelete {
			return customResourceID, nil, nil
		}
		res, err := r.runBeforeDeadline(ctx, Command{Command: "up"})
		if err != nil {
			return customResourceID, nil, err
		}
		return customResourceID, map[string]any{"Version": strconv.FormatUint(uint64(res.Version), 10)}, nil
	})
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var probe struct {
			RequestType string `json:"RequestType"`
			ResponseURL string `json:"ResponseURL"`
		}
		if err := json.Unmarshal(raw, &probe); err != nil {
			return nil, fmt.Errorf("decode event: %w", err)
		}
		if probe.RequestType != "" && probe.ResponseURL != "" {
			var ev cfn.Event
			if err := json.Unmarshal(raw, &ev); err != nil {
				return nil, fmt.Errorf("decode custom resource event: %w", err)
			}
			reason, err := onEvent(ctx, ev)
			if err != nil {
				return nil, err
			}
			if reason != "" { // the answer could not be sent
				return nil, fmt.Errorf("answer custom resource: %s", reason)
			}
			return map[string]string{"status": "answered"}, nil
		}
		c, err := decodeCommand(raw)
		if err != nil {
			return nil, err
		}
		return r.Run(ctx, c)
	}
}

// runBeforeDeadline runs c but gives up in time to answer CloudFormation
// before the invocation ends; the migrations themselves are not cancelled
// midway, the run stops between two migrations at the latest.
func (r Runner) runBeforeDeadline(ctx context.Context, c Command) (Result, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return r.Run(ctx, c)
	}
	type out struct {
		res Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := r.Run(ctx, c)
		done <- out{res, err}
	}()
	timer := time.NewTimer(time.Until(deadline) - 5*time.Second)
	defer timer.Stop()
	select {
	case o := <-done:
		return o.res, o.err
	case <-timer.C:
		return Result{}, errors.New("migrations did not finish before the function timeout; " +
			"run the migrate function with {\"command\":\"version\"} to see where they stand")
	}
}

func decodeCommand(raw json.RawMessage) (Command, error) {
	var c Command
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Command{}, fmt.Errorf(`decode command (want {"command":"up|down|version|force", "steps":N, "version":V}): %w`, err)
	}
	if dec.More() {
		return Command{}, errors.New("decode command: trailing data after the JSON object")
	}
	return c, nil
}

// CLI runs one command given as arguments (up | down N | version |
// force V), writing the result as JSON to out.
func (r Runner) CLI(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: migrate up | down N | version | force V")
	}
	c := Command{Command: args[0]}
	switch {
	case args[0] == "down" && len(args) == 2:
		n, err := strconv.Atoi(args[1])
		if err != nil {
			return fmt.Errorf("down: %q is not a number of steps", args[1])
		}
		c.Steps = n
	case args[0] == "force" && len(args) == 2:
		v, err := strconv.Atoi(args[1])
		if err != nil {
			return fmt.Errorf("force: %q is not a version", args[1])
		}
		c.Version = &v
	case len(args) != 1:
		return errors.New("usage: migrate up | down N | version | force V")
	}
	res, err := r.Run(ctx, c)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(out)
	return enc.Encode(res)
}
