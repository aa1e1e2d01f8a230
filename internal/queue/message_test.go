package queue_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/queue"
)

var decodeCases = []struct {
	name string
	body string
	ok   bool
}{
	{"extract", `{"version":1,"type":"extract_content","quiz_id":"5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f","job_id":"0b9e4b7c-9a53-4d8e-9d0e-3c2f1a0b9c8d"}`, true},
	{"generate with request id", `{"version":1,"type":"generate_questions","quiz_id":"5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f","job_id":"0b9e4b7c-9a53-4d8e-9d0e-3c2f1a0b9c8d","request_id":"r-1"}`, true},
	{"export", `{"version":1,"type":"export_quiz","quiz_id":"5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f","job_id":"0b9e4b7c-9a53-4d8e-9d0e-3c2f1a0b9c8d"}`, true},
	{"unknown field", `{"version":1,"type":"export_quiz","quiz_id":"5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f","job_id":"0b9e4b7c-9a53-4d8e-9d0e-3c2f1a0b9c8d","x":1}`, false},
	{"trailing data", `{"version":1,"type":"export_quiz","quiz_id":"5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f","job_id":"0b9e4b7c-9a53-4d8e-9d0e-3c2f1a0b9c8d"}{}`, false},
	{"other version", `{"version":2,"type":"export_quiz","quiz_id":"5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f","job_id":"0b9e4b7c-9a53-4d8e-9d0e-3c2f1a0b9c8d"}`, false},
	{"unknown type", `{"version":1,"type":"delete","quiz_id":"5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f","job_id":"0b9e4b7c-9a53-4d8e-9d0e-3c2f1a0b9c8d"}`, false},
	{"nil quiz id", `{"version":1,"type":"export_quiz","quiz_id":"00000000-0000-0000-0000-000000000000"}`, false},
	{"bad quiz id", `{"version":1,"type":"export_quiz","quiz_id":"7"}`, false},
	{"missing quiz id", `{"version":1,"type":"export_quiz"}`, false},
	{"missing job id", `{"version":1,"type":"export_quiz","quiz_id":"5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f"}`, false},
	{"generate batch", `{"version":1,"type":"generate_batch","quiz_id":"5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f","job_id":"0b9e4b7c-9a53-4d8e-9d0e-3c2f1a0b9c8d","batch_id":"7d2c9f1e-4b3a-4e5d-9c8b-1a2b3c4d5e6f"}`, true},
	{"generate batch without batch id", `{"version":1,"type":"generate_batch","quiz_id":"5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f","job_id":"0b9e4b7c-9a53-4d8e-9d0e-3c2f1a0b9c8d"}`, false},
	{"generate batch with nil batch id", `{"version":1,"type":"generate_batch","quiz_id":"5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f","job_id":"0b9e4b7c-9a53-4d8e-9d0e-3c2f1a0b9c8d","batch_id":"00000000-0000-0000-0000-000000000000"}`, false},
	{"batch id on another kind", `{"version":1,"type":"generate_questions","quiz_id":"5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f","job_id":"0b9e4b7c-9a53-4d8e-9d0e-3c2f1a0b9c8d","batch_id":"7d2c9f1e-4b3a-4e5d-9c8b-1a2b3c4d5e6f"}`, false},
	{"not json", `quiz 7 please`, false},
	{"empty", ``, false},
	{"huge", `{"version":1,"type":"export_quiz","quiz_id":"5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f","job_id":"0b9e4b7c-9a53-4d8e-9d0e-3c2f1a0b9c8d","request_id":"` + strings.Repeat("x", 5000) + `"}`, false},
}

func TestDecode(t *testing.T) {
	t.Parallel()
	for _, tt := range decodeCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := queue.Decode([]byte(tt.body))
			if !tt.ok {
				require.ErrorIs(t, err, queue.ErrMalformed)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, queue.Version, m.Version)
		})
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	t.Parallel()
	m := queue.Message{Version: 1, Kind: queue.KindGenerate, QuizID: uuid.New(), JobID: uuid.New(), RequestID: "req"}
	b, err := m.Encode()
	require.NoError(t, err)
	got, err := queue.Decode(b)
	require.NoError(t, err)
	assert.Equal(t, m, got)
	assert.NotContains(t, string(b), "batch_id", "a version 1 message of another kind reads as before")
	bm := queue.Message{Version: 1, Kind: queue.KindGenerateBatch, QuizID: uuid.New(), JobID: uuid.New(), BatchID: uuid.New()}
	b, err = bm.Encode()
	require.NoError(t, err)
	got, err = queue.Decode(b)
	require.NoError(t, err)
	assert.Equal(t, bm, got)
	_, err = queue.Message{Kind: "x"}.Encode()
	assert.ErrorIs(t, err, queue.ErrMalformed, "never send what the consumer would drop")
}

// FuzzDecode checks that any body either fails to decode or yields a valid
// message that survives a round trip.
func FuzzDecode(f *testing.F) {
	for _, tt := range decodeCases {
		f.Add([]byte(tt.body))
	}
	addEventSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := queue.Decode(body)
		if err != nil {
			return
		}
		require.NoError(t, m.Validate())
		again, err := json.Marshal(m)
		require.NoError(t, err)
		m2, err := queue.Decode(again)
		require.NoError(t, err)
		require.Equal(t, m, m2)
	})
}
