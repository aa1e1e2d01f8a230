package config

import (
	"encoding/base64"
	"math"
	"slices"
	"strings"
)

// committedSecrets are the secret values committed in this repository:
// the placeholder, the local examples of .env.example, events/env.json and
// the scripts, and test fixtures that look usable. Anyone can read them,
// so outside ENVIRONMENT=local every secret variable refuses them (a
// session token forged with the example JWT_SECRET was accepted in
// production before). TestCommittedSecretsRefused scans the repository's
// example files: a newly committed example secret fails it until it is
// listed here.
//
//nolint:gochecknoglobals // read-only list
var committedSecrets = []string{
	placeholder,
	// .env.example, events/env.json, scripts/bench-coldstart.sh, internal/rie.
	"local-canvas-secret",
	"local-jwt-secret-change-me-0123456789abcdef",
	"bG9jYWwtb25seS10b2tlbi1rZXktMzItYnl0ZXMhISE=",
	"REPLACE_WITH_THE_PASSWORD_OF_DATABASE_URL_IN_.run/dev/env",
	"REPLACE_WITH_THE_PASSWORD_OF_PGBOUNCER_ADMIN_URL_IN_.run/dev/env",
	// Test fixtures of internal/httpapi and internal/canvas.
	"test-jwt-secret-0123456789abcdef-0123456789",
	"client-secret-for-tests",
}

// isCommitted reports whether v, white space aside, is a committed secret.
func isCommitted(v string) bool {
	return slices.Contains(committedSecrets, strings.TrimSpace(v))
}

// isCommittedKey reports whether key is a committed secret once decoded
// from base64 (any of the encodings TOKEN_ENCRYPTION_KEY accepts), so a
// committed key re-encoded does not pass either.
func isCommittedKey(key []byte) bool {
	for _, c := range committedSecrets {
		for _, enc := range []*base64.Encoding{
			base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding,
		} {
			if k, err := enc.DecodeString(c); err == nil && string(k) == string(key) {
				return true
			}
		}
	}
	return false
}

// minKeyBits is the least estimated entropy of JWT_SECRET and
// TOKEN_ENCRYPTION_KEY outside local. 32 random bytes estimate to about
// 155 bits, 44 characters of `openssl rand -base64 32` to about 220.
const minKeyBits = 128

// entropyBits estimates the entropy of key as its length times the
// Shannon entropy of its byte frequencies. It cannot see patterns
// ("abcabc..." counts as three equally likely symbols), but catches keys
// of few distinct bytes: a repeated character, two alternating bytes, a
// short word repeated.
func entropyBits(key []byte) float64 {
	var counts [256]int
	for _, b := range key {
		counts[b]++
	}
	n := float64(len(key))
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h * n
}
