package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"quizgen/internal/quiz"
)

// sender is the part of *sqs.Client that Publisher uses.
type sender interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// Publisher sends job messages to the generate and export queues.
type Publisher struct {
	client      sender
	generateURL string
	exportURL   string
	timeout     time.Duration
}

// NewPublisher returns a Publisher over client. Each send is bounded by
// timeout (SDK retries included), so a hung SQS endpoint cannot hold an
// API request.
func NewPublisher(client *sqs.Client, generateURL, exportURL string, timeout time.Duration) *Publisher {
	return &Publisher{client: client, generateURL: generateURL, exportURL: exportURL, timeout: timeout}
}

// PublishJob sends j to its queue; it implements quiz.Publisher.
func (p *Publisher) PublishJob(ctx context.Context, j quiz.Job) error {
	return p.Publish(ctx, Message{Version: Version, Kind: j.Kind, QuizID: j.QuizID, JobID: j.ID, RequestID: j.RequestID,
		BatchID: j.BatchID})
}

var _ quiz.Publisher = (*Publisher)(nil)

// Publish sends m to its queue. An error wraps quiz.ErrTemporary: the job
// was not queued, and the caller must undo what it did for it.
func (p *Publisher) Publish(ctx context.Context, m Message) error {
	if m.Version == 0 {
		m.Version = Version
	}
	body, err := m.Encode()
	if err != nil {
		return err
	}
	url := p.generateURL
	if m.Kind == KindExport {
		url = p.exportURL
	}
	if p.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.timeout)
		defer cancel()
	}
	_, err = p.client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:    aws.String(url),
		MessageBody: aws.String(string(body)),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"type": {DataType: aws.String("String"), StringValue: aws.String(string(m.Kind))},
		},
	})
	if err != nil {
		return fmt.Errorf("publish %s for quiz %s: %w: %w", m.Kind, m.QuizID, quiz.ErrTemporary, err)
	}
	return nil
}
