package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors returned by StateSigner.Verify. Every rejected state matches
// ErrInvalidState; an authentic state past its expiry also matches
// ErrStateExpired.
var (
	ErrInvalidState = errors.New("invalid oauth state")
	ErrStateExpired = fmt.Errorf("%w: expired", ErrInvalidState)
)

// State layout: payload = nonce (16 random bytes) || expiry (8 bytes,
// big-endian Unix seconds); state = base64url(payload) "." base64url(MAC),
// MAC = HMAC-SHA256(key, base64url(payload)).
const (
	stateNonceLen      = 16
	statePayloadLen    = stateNonceLen + 8
	statePayloadB64Len = (statePayloadLen*8 + 5) / 6 // 32
	stateMACB64Len     = (sha256.Size*8 + 5) / 6     // 43
	minStateKeyLen     = 32
)

// StateSigner makes and checks the state parameter of the Canvas OAuth
// login: a random nonce and an expiry, signed with HMAC-SHA256. A state
// that was not made with the same key, was altered, or is past its expiry
// fails Verify. It is safe for concurrent use.
//
// A signature cannot stop replay. The caller must make each state usable
// once: at the callback, after Verify succeeds, record the nonce as used
// until the state's expiry, atomically (for example INSERT ... ON CONFLICT
// DO NOTHING), and refuse the login when it was already there. Nothing
// needs storing when the login starts, which anyone can do. To stop login
// CSRF (a victim sent to the callback with the attacker's code and state),
// the caller should also bind the nonce to the browser, for example in a
// short-lived HttpOnly, Secure, SameSite=Lax cookie set at login and
// compared at the callback.
type StateSigner struct {
	key []byte
	ttl time.Duration
	now func() time.Time
}

// NewStateSigner returns a StateSigner that signs with key (at least 32
// bytes; it is copied) and makes states valid for ttl (positive; minutes
// are plenty for a login). Derive key with DeriveKey(secret,
// PurposeOAuthState); never pass the JWT secret itself. now is the clock;
// nil means time.Now.
func NewStateSigner(key []byte, ttl time.Duration, now func() time.Time) (*StateSigner, error) {
	if len(key) < minStateKeyLen {
		return nil, fmt.Errorf("new state signer: key is %d bytes, want at least %d", len(key), minStateKeyLen)
	}
	if ttl <= 0 {
		return nil, fmt.Errorf("new state signer: ttl %v is not positive", ttl)
	}
	if now == nil {
		now = time.Now
	}
	return &StateSigner{key: append([]byte(nil), key...), ttl: ttl, now: now}, nil
}

// New returns a fresh state for the authorization URL (78 URL-safe
// characters: base64url and one dot) and its nonce (22 base64url
// characters), which the caller stores for one-time use (see StateSigner).
// The state expires ttl after now, to the second. New fails only if the
// system's random source does.
func (s *StateSigner) New() (state, nonce string, err error) {
	var p [statePayloadLen]byte
	if _, err := rand.Read(p[:stateNonceLen]); err != nil {
		return "", "", fmt.Errorf("new oauth state: %w", err)
	}
	binary.BigEndian.PutUint64(p[stateNonceLen:], uint64(s.now().Add(s.ttl).Unix()))
	payload := b64.EncodeToString(p[:])
	return payload + "." + s.mac(payload), b64.EncodeToString(p[:stateNonceLen]), nil
}

// Verify checks state and returns its nonce. The MAC is compared in
// constant time before anything in the payload is read. Every failure
// matches ErrInvalidState; an authentic state whose expiry has been reached
// also matches ErrStateExpired. Verify cannot detect replay: the caller
// must still consume the nonce (see StateSigner).
func (s *StateSigner) Verify(state string) (nonce string, err error) {
	payload, mac, ok := strings.Cut(state, ".")
	if !ok || len(payload) != statePayloadB64Len || len(mac) != stateMACB64Len {
		return "", fmt.Errorf("%w: malformed", ErrInvalidState)
	}
	if !hmac.Equal([]byte(s.mac(payload)), []byte(mac)) {
		return "", fmt.Errorf("%w: bad signature", ErrInvalidState)
	}
	p, err := b64.DecodeString(payload)
	if err != nil || len(p) != statePayloadLen {
		// Unreachable unless the key signed something New did not make.
		return "", fmt.Errorf("%w: malformed", ErrInvalidState)
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(p[stateNonceLen:])), 0)
	if !s.now().Before(exp) {
		return "", ErrStateExpired
	}
	return b64.EncodeToString(p[:stateNonceLen]), nil
}

// Format prints "[redacted]" for every verb, so that logging a StateSigner
// cannot reveal its key.
func (StateSigner) Format(f fmt.State, _ rune) { writeRedacted(f) }

// mac returns base64url(HMAC-SHA256(key, payload)).
func (s *StateSigner) mac(payload string) string {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(payload))
	return b64.EncodeToString(h.Sum(nil))
}
