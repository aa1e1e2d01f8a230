// Package config turns environment variables into the typed, validated
// configuration of each function (LoadAPI, LoadGenerate, LoadExport,
// LoadMigrate). main calls its loader once per cold start with os.Getenv;
// tests pass a map lookup. Nothing else in the repository reads the
// environment.
//
// A loader reports every problem at once: the error is an errors.Join of
// one error per variable, each starting with the variable's name, so a
// broken deploy fails at cold start with one message listing everything to
// fix. Errors never contain a secret's value, nor a database URL (which may
// hold a password).
//
// Secrets (DB_PASSWORD, JWT_SECRET, TOKEN_ENCRYPTION_KEY,
// CANVAS_CLIENT_SECRET, LLM_API_KEY) may be given in exactly one of three
// ways: X (the value), X_SECRET_ARN (a Secrets Manager id or ARN, with an
// optional "#key" selecting a key of a JSON SecretString) or
// X_SSM_PARAMETER (an SSM Parameter Store name, read with decryption).
// References are resolved through a Fetcher (NewAWSFetcher in main), all
// at once and each secret id only once. Resolved values are held in Secret
// and SecretBytes, which never print, log or marshal their value.
//
// Durations accept Go syntax ("90s", "5m") or a whole number of seconds.
// Empty variables count as unset. Variables lists every variable the
// loaders read; MarkdownTable renders it for the README.
//
// The package must not build clients or open connections: it only reads
// and checks values (fetching secrets is the one I/O it does).
package config
