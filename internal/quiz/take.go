package quiz

// Take is what a job found when it asked for a stage or a generation batch
// (README, Background jobs): whether it may work on it now, and if not,
// why not. The store applies DecideTake under the row lock.
type Take int

// The outcomes of taking a stage or a batch.
const (
	// TakeStarted: it was pending for this job and is now processing.
	TakeStarted Take = iota + 1
	// TakeResumed: it was processing for this job under a lease that ran
	// out (a crashed or timed-out run); it is taken again.
	TakeResumed
	// TakeBusy: another delivery of this job is processing it now.
	TakeBusy
	// TakeDone: this job already finished it (completed or failed).
	TakeDone
	// TakeStale: it belongs to another job (a newer request).
	TakeStale
)

// Taken reports whether the job may work on it now.
func (t Take) Taken() bool { return t == TakeStarted || t == TakeResumed }

// DecideTake is the decision for the job jobID over a stage or batch owned
// by the job owner (nil: none), in status st, whose lease expired or not.
// Of several concurrent deliveries of one message, run under the row lock,
// exactly one is TakeStarted or TakeResumed.
func DecideTake(owner *ID, jobID ID, st Status, expired bool) Take {
	switch {
	case owner == nil || *owner != jobID:
		return TakeStale
	case st == StatusPending:
		return TakeStarted
	case st == StatusProcessing && expired:
		return TakeResumed
	case st == StatusProcessing:
		return TakeBusy
	}
	return TakeDone
}
