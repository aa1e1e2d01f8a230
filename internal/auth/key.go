package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
)

// PurposeOAuthState is the DeriveKey purpose of the StateSigner key.
const PurposeOAuthState = "quizgen oauth state v1"

// redacted is what the types holding keys print instead of themselves.
const redacted = "[redacted]"

// b64 is unpadded base64url that rejects non-zero trailing bits, so that
// each byte string has exactly one encoding. It still skips CR and LF;
// callers check base64URLText first.
var b64 = base64.RawURLEncoding.Strict() //nolint:gochecknoglobals // built once, read-only

// DeriveKey returns a 32-byte key for purpose, derived from secret with
// HKDF-SHA256 (RFC 5869, empty salt, info = purpose). Keys derived for
// different purposes are independent, so one high-entropy secret can serve
// several uses; purpose should name the use and a version, like
// PurposeOAuthState. secret should be at least 32 bytes of high entropy:
// derivation adds none.
func DeriveKey(secret []byte, purpose string) []byte {
	// HKDF-Extract, then one block of HKDF-Expand (32 bytes = one SHA-256
	// output). Written out rather than through crypto/hkdf, whose error
	// return (FIPS 140-only mode) this function has no use for.
	extract := hmac.New(sha256.New, make([]byte, sha256.Size))
	extract.Write(secret)
	expand := hmac.New(sha256.New, extract.Sum(nil))
	expand.Write([]byte(purpose))
	expand.Write([]byte{1})
	return expand.Sum(nil)
}

// base64URLText reports whether s holds only base64url characters and
// dots. Base64 decoders skip CR and LF even in strict mode, which would let
// several strings decode to the same token.
func base64URLText(s string) bool {
	for i := range len(s) {
		switch c := s[i]; {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// writeRedacted implements the Format methods of the types holding keys.
func writeRedacted(f fmt.State) { _, _ = io.WriteString(f, redacted) }
