package queue_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// addEventSeeds adds the message bodies of testdata/sqs-event.json (an SQS
// event as Lambda delivers it) to f's seed corpus.
func addEventSeeds(f *testing.F) {
	f.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "sqs-event.json"))
	if err != nil {
		f.Fatal(err)
	}
	var event struct {
		Records []struct {
			Body string `json:"body"`
		}
	}
	if err := json.Unmarshal(raw, &event); err != nil || len(event.Records) == 0 {
		f.Fatalf("testdata/sqs-event.json: %d records, %v", len(event.Records), err)
	}
	for _, r := range event.Records {
		f.Add([]byte(r.Body))
	}
}
