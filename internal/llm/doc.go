// Package llm writes batches of typed questions (README "Question types")
// from course content with a large language model.
//
// It holds the prompts per type and language (texts embedded from
// prompts/v2, RenderBatch) and their answer schemas (BatchSchema), the
// providers that send them (an OpenAI-compatible client and an offline
// mock), the chunking of a quiz's extracted content, and BatchWriter,
// which writes one batch: it checks every item with its type's rules,
// drops near-duplicates, asks again for only what is missing and retries
// what may succeed.
//
// It does no storage itself and never logs prompts, course content or whole
// model answers (docs/style.md, Logging and secrets): only sizes, counts and ids. Errors crossing
// its boundary are classified: failures that may pass when the job runs
// again wrap quiz.ErrTemporary; failures that will not (a rejected key, an
// unknown model, a prompt over the context length) wrap ErrCritical and
// carry a message safe to store on the quiz.
package llm
