package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"strings"
)

// ErrDecrypt is returned by Cipher.Decrypt and DecryptFor for any value
// they cannot decrypt: not in a known format, altered, encrypted with a
// key the Cipher does not have, or (v2) bound to another user or column.
// Its text never contains the value.
var ErrDecrypt = errors.New("invalid encrypted token")

const (
	cipherKeyLen = 32 // AES-256
	cipherPrefix = "v1."
	// cipherAD is the associated data of every v1 ciphertext: a value
	// encrypted for another purpose with the same key does not decrypt.
	cipherAD = "quizgen canvas token v1"
	// cipherPrefixV2 marks a ciphertext bound to a Binding: its associated
	// data also names the user and the column (Binding.ad).
	cipherPrefixV2 = "v2."
	// cipherOverhead is the random nonce (12 bytes) plus the GCM tag (16).
	cipherOverhead = 12 + 16
)

// Cipher encrypts Canvas tokens for storage with AES-256-GCM. A stored
// value is "v1." followed by base64url (unpadded) of a random 12-byte nonce,
// the ciphertext and the 16-byte tag; the empty string is stored as itself.
// It is safe for concurrent use.
//
// Key rotation: a Cipher made with old keys also decrypts what they
// encrypted, and always encrypts with the current key. To rotate, deploy
// NewCipher(newKey, oldKey), re-encrypt the stored tokens (or let them be
// rewritten as users log in and refresh), then drop oldKey.
type Cipher struct {
	aeads []cipher.AEAD // current key first
	ad    []byte
}

// NewCipher returns a Cipher that encrypts with key and decrypts with key
// or any of old, trying key first. Every key must be exactly 32 bytes; the
// keys are not kept, only the AES key schedules made from them.
func NewCipher(key []byte, old ...[]byte) (*Cipher, error) {
	c := &Cipher{ad: []byte(cipherAD)}
	for i, k := range append([][]byte{key}, old...) {
		which := "key"
		if i > 0 {
			which = fmt.Sprintf("old key %d", i)
		}
		if len(k) != cipherKeyLen {
			return nil, fmt.Errorf("new cipher: %s is %d bytes, want %d", which, len(k), cipherKeyLen)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("new cipher: %s: %w", which, err)
		}
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return nil, fmt.Errorf("new cipher: %s: %w", which, err)
		}
		c.aeads = append(c.aeads, aead)
	}
	return c, nil
}

// Encrypt returns plain encrypted with the current key in the v1 format,
// bound to no user or column: tokens are stored with EncryptFor, and
// Encrypt remains for values in the format stored before (tests build
// such rows with it). The same plain gives a different result each time.
// The empty string is returned unchanged, as the original stored empty
// tokens.
// The error is always nil today (AES-GCM with a random nonce cannot fail);
// the signature leaves room for a key service.
func (c *Cipher) Encrypt(plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	// The random-nonce AEAD makes and prepends the nonce itself.
	sealed := c.aeads[0].Seal(nil, nil, []byte(plain), c.ad)
	return cipherPrefix + b64.EncodeToString(sealed), nil
}

// Decrypt returns the plaintext of stored, a value made by Encrypt with
// the current key or one of the old keys. The empty string decrypts to
// itself. Anything else that does not decrypt returns an error matching
// ErrDecrypt.
func (c *Cipher) Decrypt(stored string) (string, error) {
	if stored == "" {
		return "", nil
	}
	body, ok := strings.CutPrefix(stored, cipherPrefix)
	if !ok {
		return "", fmt.Errorf("%w: unknown format", ErrDecrypt)
	}
	return c.open(body, c.ad)
}

// open decrypts body (base64url of nonce, ciphertext and tag) with ad.
func (c *Cipher) open(body string, ad []byte) (string, error) {
	if !base64URLText(body) {
		return "", fmt.Errorf("%w: malformed", ErrDecrypt)
	}
	sealed, err := b64.DecodeString(body)
	if err != nil {
		return "", fmt.Errorf("%w: malformed", ErrDecrypt)
	}
	if len(sealed) < cipherOverhead {
		return "", fmt.Errorf("%w: too short", ErrDecrypt)
	}
	for _, aead := range c.aeads {
		if plain, err := aead.Open(nil, nil, sealed, ad); err == nil {
			return string(plain), nil
		}
	}
	return "", fmt.Errorf("%w: authentication failed (altered, or encrypted with another key)", ErrDecrypt)
}

// Token columns a ciphertext is bound to (Binding.Column).
const (
	ColumnAccessToken  = "access_token"
	ColumnRefreshToken = "refresh_token"
)

// Binding is where a token ciphertext is stored: the Canvas user it
// belongs to and the column. A v2 ciphertext copied to another user's row
// or to the other column does not decrypt there.
type Binding struct {
	CanvasUserID int64
	Column       string
}

func (b Binding) ad() []byte {
	return fmt.Appendf(nil, "quizgen canvas token v2\x00%s\x00%d", b.Column, b.CanvasUserID)
}

// EncryptFor returns plain encrypted with the current key and bound to b,
// as "v2." followed by base64url (unpadded) of the nonce, ciphertext and
// tag. The empty string is returned unchanged. Like Encrypt, the error is
// nil today.
func (c *Cipher) EncryptFor(plain string, b Binding) (string, error) {
	if plain == "" {
		return "", nil
	}
	return cipherPrefixV2 + b64.EncodeToString(c.aeads[0].Seal(nil, nil, []byte(plain), b.ad())), nil
}

// DecryptFor returns the plaintext of stored: a v2 value EncryptFor made
// for the same b, or a v1 value Encrypt made before tokens were bound
// (read as Decrypt reads it, and re-encrypted as v2 by the next write).
// The empty string decrypts to itself; anything else that does not
// decrypt returns an error matching ErrDecrypt.
func (c *Cipher) DecryptFor(stored string, b Binding) (string, error) {
	if body, ok := strings.CutPrefix(stored, cipherPrefixV2); ok {
		return c.open(body, b.ad())
	}
	return c.Decrypt(stored)
}

// Format prints "[redacted]" for every verb, so that logging a Cipher
// cannot reveal its keys.
func (Cipher) Format(f fmt.State, _ rune) { writeRedacted(f) }
