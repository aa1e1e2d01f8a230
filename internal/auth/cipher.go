package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"strings"
)

// ErrDecrypt is returned by Cipher.Decrypt for any value it cannot decrypt:
// not in the v1 format, altered, or encrypted with a key the Cipher does
// not have. Its text never contains the value.
var ErrDecrypt = errors.New("invalid encrypted token")

const (
	cipherKeyLen = 32 // AES-256
	cipherPrefix = "v1."
	// cipherAD is the associated data of every ciphertext: a value
	// encrypted for another purpose with the same key does not decrypt.
	cipherAD = "quizgen canvas token v1"
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

// Encrypt returns plain encrypted with the current key, as a string to
// store. The same plain gives a different result each time. The empty
// string is returned unchanged, as the original stored empty tokens.
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
		if plain, err := aead.Open(nil, nil, sealed, c.ad); err == nil {
			return string(plain), nil
		}
	}
	return "", fmt.Errorf("%w: authentication failed (altered, or encrypted with another key)", ErrDecrypt)
}

// Format prints "[redacted]" for every verb, so that logging a Cipher
// cannot reveal its keys.
func (Cipher) Format(f fmt.State, _ rune) { writeRedacted(f) }
