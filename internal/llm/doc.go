// Package llm writes multiple-choice questions from course content with a
// large language model.
//
// It holds the prompts (texts embedded from prompts/), the providers
// that send them (an OpenAI-compatible client and an offline mock), the
// parsing and validation of the model's answers, the chunking of a quiz's
// extracted content, and Writer, which plans the calls for a quiz, runs
// them with bounded concurrency, retries what may succeed, drops
// near-duplicates and hands accepted questions to a save function in
// batches.
//
// It does no storage itself and never logs prompts, course content or whole
// model answers (STYLE §11.5): only sizes, counts and ids. Errors crossing
// its boundary are classified: failures that may pass when the job runs
// again wrap quiz.ErrTemporary; failures that will not (a rejected key, an
// unknown model, a prompt over the context length) wrap ErrCritical and
// carry a message safe to store on the quiz.
package llm
