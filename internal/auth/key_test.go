package auth_test

import (
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/auth"
)

func TestDeriveKeyIsHKDF(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{testSecret, "", strings.Repeat("k", 200)} {
		for _, purpose := range []string{auth.PurposeOAuthState, "", "quizgen something else v1"} {
			want, err := hkdf.Key(sha256.New, []byte(secret), nil, purpose, 32)
			require.NoError(t, err)
			assert.Equal(t, want, auth.DeriveKey([]byte(secret), purpose), "secret %q purpose %q", secret, purpose)
		}
	}
}

func TestDeriveKeySeparates(t *testing.T) {
	t.Parallel()
	state := auth.DeriveKey([]byte(testSecret), auth.PurposeOAuthState)
	assert.Len(t, state, 32)
	assert.Equal(t, state, auth.DeriveKey([]byte(testSecret), auth.PurposeOAuthState), "deterministic")
	assert.NotEqual(t, state, auth.DeriveKey([]byte(testSecret), "quizgen oauth state v2"))
	assert.NotEqual(t, state, auth.DeriveKey([]byte(testSecret+"x"), auth.PurposeOAuthState))
	assert.NotContains(t, string(state), testSecret)
}

// TestErrorsDoNotLeak gathers an error from every failure path and checks
// that none holds a secret, key, token, state, ciphertext or plaintext.
func TestErrorsDoNotLeak(t *testing.T) {
	t.Parallel()
	tok := newTokens(t, testSecret, time.Hour, clock(t0))
	good, err := tok.Issue(testUser, 1)
	require.NoError(t, err)
	signer := newStateSigner(t, testSecret, time.Minute, clock(t0))
	state, nonce, err := signer.New()
	require.NoError(t, err)
	c := newCipher(t, keyA)
	stored := encrypt(t, c, canvasToken)

	var errs []error
	add := func(_ any, err error) {
		require.Error(t, err)
		errs = append(errs, err)
	}
	for _, rc := range rejectCases(t) {
		add(tok.Verify(rc.token))
	}
	add(newTokens(t, testSecret, time.Hour, clock(t0.Add(2*time.Hour))).Verify(good))
	add(newTokens(t, "another-secret-of-at-least-32-bytes!!", time.Hour, nil).Verify(good))
	add(tok.Issue(testUser, -1))
	add(auth.NewTokens([]byte(testSecret[:20]), time.Hour, nil))

	add(newStateSigner(t, testSecret, time.Minute, clock(t0.Add(time.Hour))).Verify(state))
	add(newStateSigner(t, "another-secret-of-at-least-32-bytes!!", time.Minute, nil).Verify(state))
	add(signer.Verify(state + "x"))
	add(auth.NewStateSigner([]byte(testSecret[:20]), time.Minute, nil))

	add(newCipher(t, keyB).Decrypt(stored))
	add(c.Decrypt(stored[:len(stored)-2]))
	add(c.Decrypt(canvasToken))
	add(c.Decrypt("v1." + canvasToken))
	add(auth.NewCipher(keyA[:31]))
	add(auth.NewCipher(keyA, append(keyB, 'x')))

	secrets := []string{
		testSecret, string(keyA), string(keyB), canvasToken, good, state, nonce, stored,
		strings.TrimPrefix(stored, "v1."), strings.Split(good, ".")[2], strings.Split(state, ".")[1],
		fmt.Sprintf("%x", keyA), fmt.Sprint([]byte(testSecret)),
	}
	for _, err := range errs {
		msg := err.Error()
		for _, s := range secrets {
			assert.NotContains(t, msg, s)
		}
		// No partial leak either: no long run copied from a token.
		for _, s := range []string{good, stored, state, canvasToken} {
			for i := 0; i+12 <= len(s); i += 6 {
				if strings.Contains(msg, s[i:i+12]) {
					t.Errorf("error %q contains %q", msg, s[i:i+12])
				}
			}
		}
	}
	// The jwt library's own messages would have leaked the alg header.
	var unwrapped []error
	for _, err := range errs {
		for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
			unwrapped = append(unwrapped, e)
		}
	}
	for _, e := range unwrapped {
		assert.NotContains(t, e.Error(), "RS256")
	}
}

func TestTypesPrintRedacted(t *testing.T) {
	t.Parallel()
	tok := newTokens(t, testSecret, time.Hour, nil)
	signer := newStateSigner(t, testSecret, time.Minute, nil)
	c := newCipher(t, keyA, keyB)
	for _, v := range []any{tok, *tok, signer, *signer, c, *c, struct{ T *auth.Tokens }{tok}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d", "%q"} {
			got := fmt.Sprintf(verb, v)
			assert.Contains(t, got, "[redacted]", "%s of %T", verb, v)
			assert.NotContains(t, got, testSecret)
			assert.NotContains(t, got, fmt.Sprintf("%x", testSecret))
			assert.NotContains(t, got, fmt.Sprint([]byte(testSecret)))
		}
	}
}
