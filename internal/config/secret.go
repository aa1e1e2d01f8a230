package config

import (
	"context"
	"fmt"
	"log/slog"
)

// redacted is what a secret prints instead of its value.
const redacted = "[redacted]"

// Secret is a secret string: a password, key or client secret. It prints,
// logs and marshals to JSON as "[redacted]" with every fmt verb; only Value
// returns the secret itself, so a Secret can sit in a struct that is logged
// whole.
type Secret string

// Value returns the secret itself. Pass it to the client that needs it;
// never log it.
func (s Secret) Value() string { return string(s) }

// String returns "[redacted]".
func (Secret) String() string { return redacted }

// GoString returns "[redacted]", for %#v.
func (Secret) GoString() string { return redacted }

// Format writes "[redacted]" for every verb, so that neither %x nor %q nor
// a width reveals anything about the value.
func (Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue makes slog log "[redacted]".
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON returns the JSON string "[redacted]".
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// SecretBytes is a secret key in binary form (TOKEN_ENCRYPTION_KEY). Like
// Secret, it prints, logs and marshals as "[redacted]". It converts
// implicitly to []byte, so it can be passed straight to aes.NewCipher.
type SecretBytes []byte

// Value returns the key itself. The caller must not modify it.
func (b SecretBytes) Value() []byte { return b }

// String returns "[redacted]".
func (SecretBytes) String() string { return redacted }

// GoString returns "[redacted]", for %#v.
func (SecretBytes) GoString() string { return redacted }

// Format writes "[redacted]" for every verb (a []byte would otherwise print
// its bytes with %d or %x).
func (SecretBytes) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue makes slog log "[redacted]".
func (SecretBytes) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON returns the JSON string "[redacted]".
func (SecretBytes) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// Fetcher reads secrets named by *_SECRET_ARN and *_SSM_PARAMETER variables.
type Fetcher interface {
	// SecretString returns the SecretString of the current version of the
	// Secrets Manager secret id (a name or an ARN, without "#key").
	SecretString(ctx context.Context, id string) (string, error)
	// Parameter returns the value of the SSM parameter name (a name or an
	// ARN), decrypted if it is a SecureString.
	Parameter(ctx context.Context, name string) (string, error)
}
