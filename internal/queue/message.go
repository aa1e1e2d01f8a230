// Package queue carries jobs between the API and the background functions
// over SQS: versioned message types with strict decoding, a publisher, and
// (for the SQS-triggered functions) the batch adapter.
//
// Messages carry ids, never data: a job reloads the quiz from PostgreSQL.
package queue

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"quizgen/internal/quiz"
)

// Version is the message format version this code writes and reads.
const Version = 1

// MaxReceiveCount is the redrive policy's maxReceiveCount of both queues:
// the delivery with this ApproximateReceiveCount is the last one, and the
// job records the failure on the quiz before SQS moves the message to the
// dead-letter queue. template.yaml and dev/sqs use the same number.
const MaxReceiveCount = 5

// Kind names what a job does (quiz.JobKind).
type Kind = quiz.JobKind

// The job kinds. Extract, Generate and GenerateBatch go to the generate
// queue, Export to the export queue.
const (
	KindExtract  = quiz.JobExtract
	KindGenerate = quiz.JobGenerate
	KindExport   = quiz.JobExport
	// KindGenerateBatch writes one batch of a generation run; its message
	// carries batch_id, and job_id is the batch's own job id.
	KindGenerateBatch = quiz.JobGenerateBatch
)

// Message is one job.
type Message struct {
	Version int     `json:"version"`
	Kind    Kind    `json:"type"`
	QuizID  quiz.ID `json:"quiz_id"`
	// JobID is the job id stamped on the quiz's stage when the job was
	// queued: a message whose id the stage no longer carries is stale.
	JobID quiz.ID `json:"job_id"`
	// RequestID is the API request that asked for the job, for tracing.
	RequestID string `json:"request_id,omitempty"`
	// BatchID is the generation batch of a KindGenerateBatch message
	// (required there, refused on the other kinds; absent from their
	// JSON, so version 1 messages read as before).
	BatchID quiz.ID `json:"batch_id,omitzero"`
}

// ErrMalformed is wrapped by Decode for any body that is not a valid
// message: retrying cannot fix it.
var ErrMalformed = errors.New("malformed job message")

// maxBody bounds what Decode reads; real messages are about 150 bytes.
const maxBody = 4096

// Decode parses body strictly: unknown fields, trailing data, another
// version, an unknown type or a missing quiz id are ErrMalformed.
func Decode(body []byte) (Message, error) {
	if len(body) > maxBody {
		return Message{}, fmt.Errorf("%w: %d bytes", ErrMalformed, len(body))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var m Message
	if err := dec.Decode(&m); err != nil {
		return Message{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if dec.More() {
		return Message{}, fmt.Errorf("%w: trailing data", ErrMalformed)
	}
	if err := m.Validate(); err != nil {
		return Message{}, err
	}
	return m, nil
}

// Validate checks m.
func (m Message) Validate() error {
	switch {
	case m.Version != Version:
		return fmt.Errorf("%w: version %d (want %d)", ErrMalformed, m.Version, Version)
	case m.Kind != KindExtract && m.Kind != KindGenerate && m.Kind != KindExport && m.Kind != KindGenerateBatch:
		return fmt.Errorf("%w: unknown type %q", ErrMalformed, m.Kind)
	case m.Kind == KindGenerateBatch && m.BatchID == uuid.Nil:
		return fmt.Errorf("%w: batch_id missing", ErrMalformed)
	case m.Kind != KindGenerateBatch && m.BatchID != uuid.Nil:
		return fmt.Errorf("%w: batch_id on a %s job", ErrMalformed, m.Kind)
	case m.QuizID == uuid.Nil:
		return fmt.Errorf("%w: quiz_id missing", ErrMalformed)
	case m.JobID == uuid.Nil:
		return fmt.Errorf("%w: job_id missing", ErrMalformed)
	case len(m.RequestID) > 128:
		return fmt.Errorf("%w: request_id too long", ErrMalformed)
	}
	return nil
}

// Encode returns the JSON body of m.
func (m Message) Encode() ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(m)
}
