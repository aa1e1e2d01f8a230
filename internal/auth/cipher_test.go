package auth_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/auth"
)

// Keys are distinct, recognisable 32-byte strings.
var (
	keyA = []byte("cipher-key-A-never-print-0123456")
	keyB = []byte("cipher-key-B-never-print-0123456")
	keyC = []byte("cipher-key-C-never-print-0123456")
)

const canvasToken = "7~r4nd0mCanvasAccessTokenValueThatMustNeverLeak1234567890abcdefABCDEF"

func newCipher(tb testing.TB, key []byte, old ...[]byte) *auth.Cipher {
	tb.Helper()
	c, err := auth.NewCipher(key, old...)
	require.NoError(tb, err)
	return c
}

func encrypt(tb testing.TB, c *auth.Cipher, plain string) string {
	tb.Helper()
	s, err := c.Encrypt(plain)
	require.NoError(tb, err)
	return s
}

func TestCipherRoundTrip(t *testing.T) {
	t.Parallel()
	c := newCipher(t, keyA)
	tests := map[string]string{
		"one byte":       "x",
		"canvas token":   canvasToken,
		"refresh token":  "7~refresh-" + strings.Repeat("z", 64),
		"unicode":        "tøkén-ñ-日本語-🔑-\u200d",
		"long":           strings.Repeat("0123456789", 500), // 5,000 characters
		"binary":         "\x00\x01\xfe\xff not UTF-8 \xc3",
		"spaces":         "   ",
		"looks stored":   "v1.AAAA",
		"has separators": "a.b.c=\n\r",
	}
	for name, plain := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			stored := encrypt(t, c, plain)
			assert.True(t, strings.HasPrefix(stored, "v1."), stored)
			assert.Regexp(t, `^v1\.[A-Za-z0-9_-]+$`, stored)
			if len(plain) >= 4 {
				assert.NotContains(t, stored, plain)
			}
			raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(stored, "v1."))
			require.NoError(t, err)
			assert.Len(t, raw, 12+len(plain)+16, "nonce || ciphertext || tag")

			got, err := c.Decrypt(stored)
			require.NoError(t, err)
			assert.Equal(t, plain, got)

			// Another Cipher with the same key reads it (another Lambda).
			got, err = newCipher(t, keyA).Decrypt(stored)
			require.NoError(t, err)
			assert.Equal(t, plain, got)
		})
	}
}

func TestCipherEmptyStaysEmpty(t *testing.T) {
	t.Parallel()
	c := newCipher(t, keyA)
	assert.Empty(t, encrypt(t, c, ""))
	got, err := c.Decrypt("")
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestCipherIsNotDeterministic(t *testing.T) {
	t.Parallel()
	c := newCipher(t, keyA)
	first, second := encrypt(t, c, canvasToken), encrypt(t, c, canvasToken)
	assert.NotEqual(t, first, second)
	for _, s := range []string{first, second} {
		got, err := c.Decrypt(s)
		require.NoError(t, err)
		assert.Equal(t, canvasToken, got)
	}
}

func TestCipherTamperAnyByte(t *testing.T) {
	t.Parallel()
	c := newCipher(t, keyA)
	stored := encrypt(t, c, "short token")
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(stored, "v1."))
	require.NoError(t, err)
	for i := range raw { // nonce, ciphertext and tag
		for _, bit := range []byte{0x01, 0x80} {
			b := bytes.Clone(raw)
			b[i] ^= bit
			_, err := c.Decrypt("v1." + base64.RawURLEncoding.EncodeToString(b))
			require.ErrorIs(t, err, auth.ErrDecrypt, "byte %d bit %#x", i, bit)
		}
	}
	// And each character of the stored text, including the prefix.
	for i := range len(stored) {
		b := []byte(stored)
		if b[i] == '.' {
			b[i] = '_'
		} else {
			b[i] = nextB64(b[i])
		}
		_, err := c.Decrypt(string(b))
		require.ErrorIs(t, err, auth.ErrDecrypt, "character %d", i)
	}
	// Truncation and extension.
	for _, s := range []string{stored[:len(stored)-1], stored[:len(stored)-4], stored + "A", stored + "AAAA"} {
		_, err := c.Decrypt(s)
		require.ErrorIs(t, err, auth.ErrDecrypt)
	}
}

func TestCipherWrongKey(t *testing.T) {
	t.Parallel()
	stored := encrypt(t, newCipher(t, keyA), canvasToken)
	got, err := newCipher(t, keyB).Decrypt(stored)
	require.ErrorIs(t, err, auth.ErrDecrypt)
	assert.Empty(t, got)
	_, err = newCipher(t, keyB, keyC).Decrypt(stored)
	require.ErrorIs(t, err, auth.ErrDecrypt)
}

func TestCipherOtherPurpose(t *testing.T) {
	t.Parallel()
	// The same key and format, but another associated data (or none): a
	// ciphertext made for another purpose must not decrypt as a token.
	block, err := aes.NewCipher(keyA)
	require.NoError(t, err)
	gcm, err := cipher.NewGCMWithRandomNonce(block)
	require.NoError(t, err)
	c := newCipher(t, keyA)
	for _, ad := range [][]byte{nil, []byte("quizgen canvas token v2"), []byte("quizgen oauth state v1")} {
		stored := "v1." + base64.RawURLEncoding.EncodeToString(gcm.Seal(nil, nil, []byte(canvasToken), ad))
		_, err := c.Decrypt(stored)
		require.ErrorIs(t, err, auth.ErrDecrypt, "ad %q", ad)
	}
	// With the right associated data the hand-made value does decrypt, so
	// the test above fails for the right reason.
	stored := "v1." + base64.RawURLEncoding.EncodeToString(gcm.Seal(nil, nil, []byte(canvasToken), []byte("quizgen canvas token v1")))
	got, err := c.Decrypt(stored)
	require.NoError(t, err)
	assert.Equal(t, canvasToken, got)
}

func TestCipherRotation(t *testing.T) {
	t.Parallel()
	before := encrypt(t, newCipher(t, keyA), canvasToken)
	rotated := newCipher(t, keyB, keyC, keyA) // new key B; A and C retired

	got, err := rotated.Decrypt(before)
	require.NoError(t, err)
	assert.Equal(t, canvasToken, got)

	after := encrypt(t, rotated, canvasToken)
	got, err = newCipher(t, keyB).Decrypt(after)
	require.NoError(t, err, "new values use the current key only")
	assert.Equal(t, canvasToken, got)
	_, err = newCipher(t, keyA).Decrypt(after)
	require.ErrorIs(t, err, auth.ErrDecrypt, "new values are not under an old key")

	// Once A is dropped, its values no longer decrypt.
	_, err = newCipher(t, keyB, keyC).Decrypt(before)
	require.ErrorIs(t, err, auth.ErrDecrypt)
}

// storedRejects are values Decrypt must refuse with any key; the fuzz
// target starts from them too.
var storedRejects = []string{
	"invalid_token", "v1.", "v1", "v1.!!!", "v1.====", "V1.AAAA", "v2.AAAA", ".v1.AAAA",
	"v1." + strings.Repeat("A", 37), // 27 bytes: shorter than nonce and tag
	"v1." + strings.Repeat("A", 38), // 28 bytes: nonce and tag, no valid tag
	"v1." + strings.Repeat("A", 60),
	// What the original stored: base64 of a Fernet token.
	"Z0FBQUFBQm9ZWXl4X0s5c1ZkN0lDSlFLZ3p4b1l6WjFhRlZ3dWJ6S1BDUnhaZz09",
	"gAAAAABoYYyx_K9sVd7ICJQKgzxoYzZ1aFVwubzKPCRxZg==",
}

func TestCipherRejects(t *testing.T) {
	t.Parallel()
	c := newCipher(t, keyA)
	stored := encrypt(t, c, canvasToken)
	body := strings.TrimPrefix(stored, "v1.")
	cases := map[string]string{
		"newline inside":  "v1." + body[:8] + "\n" + body[8:],
		"CRLF at end":     stored + "\r\n",
		"padded":          stored + "=",
		"space":           " " + stored,
		"standard base64": "v1." + base64.StdEncoding.EncodeToString(mustDecode(t, body)),
		"prefix only":     "v1.",
		"prefix repeated": "v1." + stored,
	}
	for _, s := range storedRejects {
		cases["garbage "+s] = s
	}
	for name, s := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := c.Decrypt(s)
			require.ErrorIs(t, err, auth.ErrDecrypt)
			assert.Empty(t, got)
		})
	}
}

func mustDecode(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	require.NoError(tb, err)
	return b
}

func TestNewCipherRejects(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		_, err := auth.NewCipher(make([]byte, n))
		assert.Error(t, err, "key of %d bytes", n)
		_, err = auth.NewCipher(keyA, keyB, make([]byte, n))
		assert.Error(t, err, "old key of %d bytes", n)
	}
	_, err := auth.NewCipher(nil)
	assert.Error(t, err)
}

// FuzzDecrypt checks that Decrypt never panics, that every refusal matches
// ErrDecrypt with a short fixed message, and that whatever decrypts is ""
// or a canonical encoding (no re-encoding of a valid value is accepted)
// whose plaintext is one the seeds encrypted: nothing new decrypts.
// (Encrypt is random and each fuzz worker runs this setup again, so the
// check cannot be "is one of the seeds".)
func FuzzDecrypt(f *testing.F) {
	c := newCipher(f, keyA, keyB)
	plains := map[string]bool{"": true}
	for _, plain := range []string{canvasToken, "x", "tøkén-🔑", strings.Repeat("0123456789", 500)} {
		plains[plain] = true
		for _, enc := range []*auth.Cipher{c, newCipher(f, keyB)} {
			f.Add(encrypt(f, enc, plain))
		}
	}
	for _, s := range storedRejects {
		f.Add(s)
	}
	f.Add("")
	f.Fuzz(func(t *testing.T, stored string) {
		got, err := c.Decrypt(stored)
		if err != nil {
			if !errors.Is(err, auth.ErrDecrypt) {
				t.Fatalf("error %v does not match ErrDecrypt", err)
			}
			if len(err.Error()) > 100 {
				t.Fatalf("error message %q is not a short fixed text", err)
			}
			if got != "" {
				t.Fatalf("returned %q with an error", got)
			}
			return
		}
		if !plains[got] {
			t.Fatalf("decrypted a value Encrypt never made: %q -> %q", stored, got)
		}
		if stored == "" {
			return
		}
		body, ok := strings.CutPrefix(stored, "v1.")
		raw, err := base64.RawURLEncoding.DecodeString(body)
		if !ok || err != nil || base64.RawURLEncoding.EncodeToString(raw) != body {
			t.Fatalf("accepted a non-canonical encoding %q", stored)
		}
	})
}

func BenchmarkDecrypt(b *testing.B) {
	c := newCipher(b, keyA)
	stored := encrypt(b, c, canvasToken)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Decrypt(stored); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCipherBinding: a token encrypted for one user and column decrypts
// only there; values stored before binding (v1) still decrypt anywhere,
// until the next write stores them bound.
func TestCipherBinding(t *testing.T) {
	t.Parallel()
	c := newCipher(t, keyA, keyB)
	access := auth.Binding{CanvasUserID: 42, Column: auth.ColumnAccessToken}
	stored, err := c.EncryptFor(canvasToken, access)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(stored, "v2."), stored)
	assert.NotContains(t, stored, canvasToken)

	got, err := c.DecryptFor(stored, access)
	require.NoError(t, err)
	assert.Equal(t, canvasToken, got)

	for name, b := range map[string]auth.Binding{
		"another user":   {CanvasUserID: 43, Column: auth.ColumnAccessToken},
		"another column": {CanvasUserID: 42, Column: auth.ColumnRefreshToken},
	} {
		_, err := c.DecryptFor(stored, b)
		assert.ErrorIs(t, err, auth.ErrDecrypt, name)
		assert.NotContains(t, err.Error(), canvasToken)
	}
	_, err = c.Decrypt(stored)
	assert.ErrorIs(t, err, auth.ErrDecrypt, "unbound Decrypt does not read a bound value")

	old := encrypt(t, newCipher(t, keyB), canvasToken) // v1, under a key being rotated out
	got, err = c.DecryptFor(old, access)
	require.NoError(t, err)
	assert.Equal(t, canvasToken, got, "v1 values stay readable")

	empty, err := c.EncryptFor("", access)
	require.NoError(t, err)
	assert.Empty(t, empty)
	got, err = c.DecryptFor("", access)
	require.NoError(t, err)
	assert.Empty(t, got)
}
