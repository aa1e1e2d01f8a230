package auth_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"quizgen/internal/auth"
)

// testSecret is recognisable, so the leak tests can look for it.
const testSecret = "test-jwt-secret-never-print-0123456789abcdef"

// t0 is a whole second, so that exp = t0 + ttl exactly.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var testUser = uuid.MustParse("6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f")

func clock(t time.Time) func() time.Time { return func() time.Time { return t } }

func newTokens(tb testing.TB, secret string, ttl time.Duration, now func() time.Time) *auth.Tokens {
	tb.Helper()
	tok, err := auth.NewTokens([]byte(secret), ttl, now)
	require.NoError(tb, err)
	return tok
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// handToken assembles a JWT from raw JSON, signing header.claims with
// HMAC-SHA256 under key when key is not nil, else leaving the signature empty.
func handToken(header, claims string, key []byte) string {
	input := b64(header) + "." + b64(claims)
	if key == nil {
		return input + "."
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// signed returns claims signed with secret by the jwt library under method.
func signed(tb testing.TB, method jwt.SigningMethod, claims jwt.MapClaims) string {
	tb.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString([]byte(testSecret))
	require.NoError(tb, err)
	return s
}

// rejectCase is a token Verify must refuse with the clock at t0.
type rejectCase struct {
	name, token string
	expired     bool // the refusal must match ErrExpired
}

// malformedTokens are refused whatever the secret; the fuzz target starts
// from them too.
var malformedTokens = []string{
	"", "a.b", "garbage", "a.b.c", "junk.junk.junk", "a.b.c.d", "..", "...",
	" ", "Bearer x.y.z", "eyJ.eyJ.", "\x00\xff.\x01.\x02",
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.%%%.zzz",
}

// rejectCases builds every token Verify must refuse at t0: malformed
// strings and tokens forged or mis-built around testSecret.
func rejectCases(tb testing.TB) []rejectCase {
	tb.Helper()
	key := []byte(testSecret)
	exp := t0.Add(time.Hour).Unix()
	valid := jwt.MapClaims{"sub": testUser.String(), "exp": exp, "iat": t0.Unix(), "ver": 1}
	with := func(k string, v any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for kk, vv := range valid {
			c[kk] = vv
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	claimsJSON := `{"sub":"` + testUser.String() + `","exp":` + jsonInt(exp) + `,"ver":1}`

	good, err := newTokens(tb, testSecret, time.Hour, clock(t0)).Issue(testUser, 1)
	require.NoError(tb, err)
	parts := strings.Split(good, ".")
	other, err := newTokens(tb, "another-secret-of-at-least-32-bytes!!", time.Hour, clock(t0)).Issue(testUser, 1)
	require.NoError(tb, err)
	sig := []byte(parts[2])
	sig[len(sig)-1] ^= 1 // changes the last character

	cases := make([]rejectCase, 0, 40)
	for _, m := range malformedTokens {
		cases = append(cases, rejectCase{name: "malformed " + m, token: m})
	}
	cases = append(cases,
		rejectCase{name: "wrong secret", token: other},
		rejectCase{name: "alg none", token: handToken(`{"alg":"none","typ":"JWT"}`, claimsJSON, nil)},
		rejectCase{name: "alg None", token: handToken(`{"alg":"None","typ":"JWT"}`, claimsJSON, nil)},
		rejectCase{name: "alg none with signature", token: handToken(`{"alg":"none","typ":"JWT"}`, claimsJSON, key)},
		rejectCase{name: "no alg", token: handToken(`{"typ":"JWT"}`, claimsJSON, key)},
		rejectCase{name: "HS384", token: signed(tb, jwt.SigningMethodHS384, valid)},
		rejectCase{name: "HS512", token: signed(tb, jwt.SigningMethodHS512, valid)},
		// Key confusion: an RS256 label over an HMAC made with our secret.
		rejectCase{name: "RS256 label", token: handToken(`{"alg":"RS256","typ":"JWT"}`, claimsJSON, key)},
		rejectCase{name: "missing sub", token: signed(tb, jwt.SigningMethodHS256, with("sub", nil))},
		rejectCase{name: "empty sub", token: signed(tb, jwt.SigningMethodHS256, with("sub", ""))},
		rejectCase{name: "non-UUID sub", token: signed(tb, jwt.SigningMethodHS256, with("sub", "12345"))},
		rejectCase{name: "numeric sub", token: signed(tb, jwt.SigningMethodHS256, with("sub", 12345))},
		rejectCase{name: "upper-case UUID sub", token: signed(tb, jwt.SigningMethodHS256, with("sub", strings.ToUpper(testUser.String())))},
		rejectCase{name: "urn UUID sub", token: signed(tb, jwt.SigningMethodHS256, with("sub", testUser.URN()))},
		rejectCase{name: "nil UUID sub", token: signed(tb, jwt.SigningMethodHS256, with("sub", uuid.Nil.String()))},
		rejectCase{name: "missing exp", token: signed(tb, jwt.SigningMethodHS256, with("exp", nil))},
		rejectCase{name: "fractional exp", token: signed(tb, jwt.SigningMethodHS256, with("exp", float64(exp)+0.5))},
		rejectCase{name: "string exp", token: signed(tb, jwt.SigningMethodHS256, with("exp", jsonInt(exp)))},
		rejectCase{name: "string ver", token: signed(tb, jwt.SigningMethodHS256, with("ver", "1"))},
		rejectCase{name: "fractional ver", token: signed(tb, jwt.SigningMethodHS256, with("ver", 1.5))},
		rejectCase{name: "negative ver", token: signed(tb, jwt.SigningMethodHS256, with("ver", -1))},
		rejectCase{name: "expired", token: signed(tb, jwt.SigningMethodHS256, with("exp", t0.Unix())), expired: true},
		rejectCase{name: "claims swapped", token: parts[0] + "." + b64(strings.Replace(claimsJSON, `"ver":1`, `"ver":2`, 1)) + "." + parts[2]},
		rejectCase{name: "signature bit flipped", token: parts[0] + "." + parts[1] + "." + string(sig)},
		rejectCase{name: "signature dropped", token: parts[0] + "." + parts[1] + "."},
		rejectCase{name: "signature padded", token: good + "="},
		rejectCase{name: "newline in signature", token: parts[0] + "." + parts[1] + "." + parts[2][:10] + "\n" + parts[2][10:]},
		rejectCase{name: "extra segment", token: good + ".x"},
		rejectCase{name: "oversized", token: good + strings.Repeat("A", 5000)},
	)
	return cases
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestTokensRoundTrip(t *testing.T) {
	t.Parallel()
	const ttl = 8 * 24 * time.Hour
	tok := newTokens(t, testSecret, ttl, nil) // the real clock
	before := time.Now()

	s, err := tok.Issue(testUser, 3)
	require.NoError(t, err)
	after := time.Now()
	c, err := tok.Verify(s)
	require.NoError(t, err)

	assert.Equal(t, testUser, c.UserID)
	assert.Equal(t, 3, c.Version)
	// Issue read the clock between before and after; exp is that reading
	// plus ttl in whole seconds (cut down), however long Issue took.
	assert.False(t, c.ExpiresAt.Before(before.Add(ttl).Truncate(time.Second)), "exp %s before issue + ttl", c.ExpiresAt)
	assert.False(t, c.ExpiresAt.After(after.Add(ttl)), "exp %s after issue + ttl", c.ExpiresAt)
	assert.Equal(t, time.UTC, c.ExpiresAt.Location())

	parts := strings.Split(s, ".")
	require.Len(t, parts, 3)
	header, err := base64.RawURLEncoding.DecodeString(parts[0])
	require.NoError(t, err)
	assert.JSONEq(t, `{"alg":"HS256","typ":"JWT"}`, string(header))

	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var claims map[string]any
	require.NoError(t, dec.Decode(&claims))
	assert.Len(t, claims, 4, "claims are exactly sub, exp, iat, ver: %s", payload)
	assert.Equal(t, testUser.String(), claims["sub"])
	assert.Equal(t, json.Number("3"), claims["ver"])
	for _, k := range []string{"exp", "iat"} {
		n, ok := claims[k].(json.Number)
		require.True(t, ok, "%s = %v", k, claims[k])
		_, err := n.Int64()
		assert.NoError(t, err, "%s must be whole Unix seconds, got %s", k, n)
	}
	exp, _ := claims["exp"].(json.Number).Int64()
	iat, _ := claims["iat"].(json.Number).Int64()
	assert.Equal(t, int64(ttl/time.Second), exp-iat)

	// The jwt library, standing in for any HS256 consumer, agrees.
	parsed, err := jwt.Parse(s, func(*jwt.Token) (any, error) { return []byte(testSecret), nil },
		jwt.WithValidMethods([]string{"HS256"}))
	require.NoError(t, err)
	sub, err := parsed.Claims.GetSubject()
	require.NoError(t, err)
	assert.Equal(t, testUser.String(), sub)
}

func TestTokensVersionZeroAndAbsent(t *testing.T) {
	t.Parallel()
	tok := newTokens(t, testSecret, time.Hour, clock(t0))

	s, err := tok.Issue(testUser, 0)
	require.NoError(t, err)
	c, err := tok.Verify(s)
	require.NoError(t, err)
	assert.Equal(t, 0, c.Version)

	// A token from before session versions existed has no ver.
	noVer := signed(t, jwt.SigningMethodHS256, jwt.MapClaims{"sub": testUser.String(), "exp": t0.Add(time.Minute).Unix()})
	c, err = tok.Verify(noVer)
	require.NoError(t, err)
	assert.Equal(t, auth.Claims{UserID: testUser, Version: 0, ExpiresAt: t0.Add(time.Minute)}, c)
}

func TestTokensExpiry(t *testing.T) {
	t.Parallel()
	const ttl = time.Hour
	tests := []struct {
		name    string
		issued  time.Time
		at      time.Time
		expired bool
	}{
		{"just issued", t0, t0, false},
		{"1s before exp", t0, t0.Add(ttl - time.Second), false},
		{"at exp", t0, t0.Add(ttl), true},
		{"1s past exp", t0, t0.Add(ttl + time.Second), true},
		{"long past exp", t0, t0.Add(30 * 24 * time.Hour), true},
		// exp is truncated to the second: issued at .9 s, exp is t0+ttl.
		{"fractional issue, just before exp", t0.Add(900 * time.Millisecond), t0.Add(ttl - time.Millisecond), false},
		{"fractional issue, at exp", t0.Add(900 * time.Millisecond), t0.Add(ttl), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := newTokens(t, testSecret, ttl, clock(tt.issued)).Issue(testUser, 1)
			require.NoError(t, err)
			c, err := newTokens(t, testSecret, ttl, clock(tt.at)).Verify(s)
			if !tt.expired {
				require.NoError(t, err)
				assert.Equal(t, testUser, c.UserID)
				return
			}
			require.ErrorIs(t, err, auth.ErrExpired)
			require.ErrorIs(t, err, auth.ErrInvalidToken)
			assert.Zero(t, c)
		})
	}
}

func TestTokensVerifyRejects(t *testing.T) {
	t.Parallel()
	tok := newTokens(t, testSecret, time.Hour, clock(t0))
	for _, tt := range rejectCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := tok.Verify(tt.token)
			require.ErrorIs(t, err, auth.ErrInvalidToken)
			assert.Equal(t, tt.expired, isExpired(err), "ErrExpired match: %v", err)
			assert.Zero(t, c)
		})
	}
}

func TestTokensRefuseExpiredForgery(t *testing.T) {
	t.Parallel()
	// An expired token with a bad signature is reported as forged, not as
	// expired: ErrExpired means "authentic, please sign in again".
	tok := newTokens(t, testSecret, time.Hour, clock(t0))
	forged := handToken(`{"alg":"HS256","typ":"JWT"}`,
		`{"sub":"`+testUser.String()+`","exp":`+jsonInt(t0.Add(-time.Hour).Unix())+`}`, []byte("wrong-key"))
	_, err := tok.Verify(forged)
	require.ErrorIs(t, err, auth.ErrInvalidToken)
	assert.False(t, isExpired(err))
}

func isExpired(err error) bool { return err != nil && errors.Is(err, auth.ErrExpired) }

func TestTokensIssueRejects(t *testing.T) {
	t.Parallel()
	tok := newTokens(t, testSecret, time.Hour, clock(t0))
	_, err := tok.Issue(uuid.Nil, 0)
	assert.Error(t, err)
	_, err = tok.Issue(testUser, -1)
	assert.Error(t, err)
}

func TestNewTokensRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		secret string
		ttl    time.Duration
	}{
		{"empty secret", "", time.Hour},
		{"31-byte secret", strings.Repeat("s", 31), time.Hour},
		{"changethis", "changethis", time.Hour},
		{"zero ttl", testSecret, 0},
		{"negative ttl", testSecret, -time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tok, err := auth.NewTokens([]byte(tt.secret), tt.ttl, nil)
			require.Error(t, err)
			assert.Nil(t, tok)
			if tt.secret != "" {
				assert.NotContains(t, err.Error(), tt.secret)
			}
		})
	}
	tok, err := auth.NewTokens([]byte(strings.Repeat("s", 32)), time.Second, nil)
	require.NoError(t, err)
	assert.NotNil(t, tok)
}

func TestNewTokensCopiesSecret(t *testing.T) {
	t.Parallel()
	secret := []byte(testSecret)
	tok, err := auth.NewTokens(secret, time.Hour, clock(t0))
	require.NoError(t, err)
	s, err := tok.Issue(testUser, 0)
	require.NoError(t, err)
	secret[0] ^= 0xff // the caller reuses its buffer
	_, err = tok.Verify(s)
	assert.NoError(t, err)
}

func TestTokensConcurrent(t *testing.T) {
	t.Parallel()
	tok := newTokens(t, testSecret, time.Hour, nil)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			id := uuid.New()
			for range 50 {
				s, err := tok.Issue(id, i)
				if !assert.NoError(t, err) {
					return
				}
				c, err := tok.Verify(s)
				if !assert.NoError(t, err) || !assert.Equal(t, id, c.UserID) || !assert.Equal(t, i, c.Version) {
					return
				}
			}
		})
	}
	wg.Wait()
}

// FuzzVerify checks that Verify never panics, that every refusal matches
// ErrInvalidToken with a short fixed-size message, and that it accepts only
// tokens signed with the secret, byte for byte: no mutation of a valid
// token (re-encoding, inserted newlines, padding) is accepted.
func FuzzVerify(f *testing.F) {
	tok := newTokens(f, testSecret, time.Hour, clock(t0))
	valid := map[string]bool{}
	for v := range 3 {
		s, err := tok.Issue(testUser, v)
		require.NoError(f, err)
		valid[s] = true
		f.Add(s)
	}
	noVer := signed(f, jwt.SigningMethodHS256, jwt.MapClaims{"sub": testUser.String(), "exp": t0.Add(time.Minute).Unix()})
	valid[noVer] = true
	f.Add(noVer)
	for _, tt := range rejectCases(f) {
		f.Add(tt.token)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := tok.Verify(token)
		if err != nil {
			if !errors.Is(err, auth.ErrInvalidToken) {
				t.Fatalf("error %v does not match ErrInvalidToken", err)
			}
			if len(err.Error()) > 64 {
				t.Fatalf("error message %q is not a short fixed text", err)
			}
			return
		}
		if !valid[token] {
			t.Fatalf("accepted a token that was never signed: %q -> %+v", token, c)
		}
		if token == noVer {
			return
		}
		again, err := tok.Issue(c.UserID, c.Version)
		if err != nil || again != token {
			t.Fatalf("claims %+v do not re-issue the accepted token: %q, %v", c, again, err)
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	tok := newTokens(b, testSecret, time.Hour, nil)
	s, err := tok.Issue(testUser, 7)
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tok.Verify(s); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTokensCachedVerifyStillExpires: a token verified once is remembered,
// but the remembered answer obeys exp like a fresh check.
func TestTokensCachedVerifyStillExpires(t *testing.T) {
	t.Parallel()
	now := t0
	tok := newTokens(t, testSecret, time.Hour, func() time.Time { return now })
	s, err := tok.Issue(testUser, 3)
	require.NoError(t, err)
	c, err := tok.Verify(s)
	require.NoError(t, err)
	again, err := tok.Verify(s)
	require.NoError(t, err)
	assert.Equal(t, c, again)
	now = t0.Add(time.Hour)
	_, err = tok.Verify(s)
	require.ErrorIs(t, err, auth.ErrExpired)
	_, err = tok.Verify(s[:len(s)-2] + "xx")
	require.ErrorIs(t, err, auth.ErrInvalidToken, "a tampered token is not served from the cache")
}
