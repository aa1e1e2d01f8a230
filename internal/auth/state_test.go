package auth_test

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/auth"
)

var (
	stateRE = regexp.MustCompile(`^[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{43}$`)
	nonceRE = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)
)

func newStateSigner(tb testing.TB, secret string, ttl time.Duration, now func() time.Time) *auth.StateSigner {
	tb.Helper()
	s, err := auth.NewStateSigner(auth.DeriveKey([]byte(secret), auth.PurposeOAuthState), ttl, now)
	require.NoError(tb, err)
	return s
}

func TestStateRoundTrip(t *testing.T) {
	t.Parallel()
	s := newStateSigner(t, testSecret, 10*time.Minute, nil)
	seen := map[string]bool{}
	for range 20 {
		state, nonce, err := s.New()
		require.NoError(t, err)
		assert.Regexp(t, stateRE, state)
		assert.Regexp(t, nonceRE, nonce)
		assert.False(t, seen[nonce], "nonce repeated")
		seen[nonce] = true

		got, err := s.Verify(state)
		require.NoError(t, err)
		assert.Equal(t, nonce, got)
	}
}

func TestStateExpiry(t *testing.T) {
	t.Parallel()
	const ttl = 10 * time.Minute
	state, nonce, err := newStateSigner(t, testSecret, ttl, clock(t0)).New()
	require.NoError(t, err)
	tests := []struct {
		name    string
		at      time.Time
		expired bool
	}{
		{"at issue", t0, false},
		{"1s before expiry", t0.Add(ttl - time.Second), false},
		{"at expiry", t0.Add(ttl), true},
		{"1s past expiry", t0.Add(ttl + time.Second), true},
		{"a day later", t0.Add(24 * time.Hour), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := newStateSigner(t, testSecret, ttl, clock(tt.at)).Verify(state)
			if !tt.expired {
				require.NoError(t, err)
				assert.Equal(t, nonce, got)
				return
			}
			require.ErrorIs(t, err, auth.ErrStateExpired)
			require.ErrorIs(t, err, auth.ErrInvalidState)
			assert.Empty(t, got)
		})
	}
}

// stateRejects are states Verify must refuse as invalid (not expired);
// the fuzz-free garbage part of the table.
var stateRejects = []string{
	"", ".", "a.b", "garbage", "a.b.c",
	strings.Repeat("A", 32) + "." + strings.Repeat("A", 43),
	strings.Repeat("A", 76),
	"not a state at all, but long enough to be one, with spaces and dots . . .",
}

func TestStateRejects(t *testing.T) {
	t.Parallel()
	s := newStateSigner(t, testSecret, 10*time.Minute, clock(t0))
	state, _, err := s.New()
	require.NoError(t, err)
	payload, mac, _ := strings.Cut(state, ".")

	otherKey, _, err := newStateSigner(t, "another-secret-of-at-least-32-bytes!!", 10*time.Minute, clock(t0)).New()
	require.NoError(t, err)
	// A state signed with the JWT secret itself, not the derived key.
	rawKey, err := auth.NewStateSigner([]byte(testSecret), 10*time.Minute, clock(t0))
	require.NoError(t, err)
	underRawKey, _, err := rawKey.New()
	require.NoError(t, err)
	// A far-future expiry grafted onto a valid MAC.
	later, _, err := newStateSigner(t, testSecret, 1000*time.Hour, clock(t0)).New()
	require.NoError(t, err)
	laterPayload, _, _ := strings.Cut(later, ".")

	cases := map[string]string{
		"other key":         otherKey,
		"JWT secret as key": underRawKey,
		"payload swapped":   laterPayload + "." + mac,
		"MAC dropped":       payload + ".",
		"MAC only":          "." + mac,
		"no dot":            payload + mac,
		"padded":            state + "=",
		"newline":           payload + ".\n" + mac[1:],
		"extra dot":         state + ".",
		"trailing space":    state + " ",
	}
	for _, g := range stateRejects {
		cases["garbage "+g] = g
	}
	// Change each character in turn, to another base64url character.
	for i := range len(state) {
		if state[i] == '.' {
			continue
		}
		b := []byte(state)
		b[i] = nextB64(b[i])
		cases["tampered at "+strconv.Itoa(i)] = string(b)
	}
	for name, st := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			nonce, err := s.Verify(st)
			require.ErrorIs(t, err, auth.ErrInvalidState)
			assert.False(t, errors.Is(err, auth.ErrStateExpired), "a forged state must not read as expired: %v", err)
			assert.Empty(t, nonce)
		})
	}
}

func TestNewStateSignerRejects(t *testing.T) {
	t.Parallel()
	_, err := auth.NewStateSigner(make([]byte, 31), time.Minute, nil)
	assert.Error(t, err)
	_, err = auth.NewStateSigner(make([]byte, 32), 0, nil)
	assert.Error(t, err)
}

func TestNewStateSignerCopiesKey(t *testing.T) {
	t.Parallel()
	key := auth.DeriveKey([]byte(testSecret), auth.PurposeOAuthState)
	s, err := auth.NewStateSigner(key, time.Minute, nil)
	require.NoError(t, err)
	state, _, err := s.New()
	require.NoError(t, err)
	clear(key)
	_, err = s.Verify(state)
	assert.NoError(t, err)
}

func BenchmarkStateVerify(b *testing.B) {
	s := newStateSigner(b, testSecret, 10*time.Minute, nil)
	state, _, err := s.New()
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Verify(state); err != nil {
			b.Fatal(err)
		}
	}
}

const b64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// nextB64 returns the base64url character after c, cyclically.
func nextB64(c byte) byte {
	i := strings.IndexByte(b64Alphabet, c)
	return b64Alphabet[(i+1)%len(b64Alphabet)]
}
