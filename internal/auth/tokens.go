package auth

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// Errors returned by Tokens.Verify. Callers match them with errors.Is:
// every rejected token matches ErrInvalidToken; an authentic token past
// its expiry also matches ErrExpired.
var (
	ErrInvalidToken = errors.New("invalid token")
	ErrExpired      = fmt.Errorf("%w: expired", ErrInvalidToken)
)

// minSecretLen is the shortest secret NewTokens accepts: 256 bits, the
// output size of HS256.
const minSecretLen = 32

// maxTokenLen bounds the work Verify does on hostile input. Issue's tokens
// are about 200 bytes.
const maxTokenLen = 4096

// Claims is what a verified token says.
type Claims struct {
	// UserID is the user the token was issued to (claim "sub").
	UserID uuid.UUID
	// Version is the user's session version when the token was issued
	// (claim "ver"; 0 when absent). The caller must reject the token when it
	// differs from the user's current version: that is how logout revokes
	// older tokens.
	Version int
	// ExpiresAt is the expiry (claim "exp"), to the second, in UTC.
	ExpiresAt time.Time
}

// Tokens issues and verifies the app's session tokens: HS256 JWTs with the
// claims sub (the user id), exp, iat and ver (the session version). It is
// safe for concurrent use.
type Tokens struct {
	secret  []byte
	ttl     time.Duration
	now     func() time.Time
	parser  *jwt.Parser
	keyFunc jwt.Keyfunc

	// verified remembers tokens that passed Verify, keyed by the token
	// itself: a client sends the same token on every request, and parsing
	// and checking it again costs more than the rest of a cheap request.
	// A hit still checks exp against the clock.
	cache *verifiedCache
}

type verifiedCache struct {
	mu sync.Mutex
	m  map[string]Claims
}

// maxVerified bounds the cache of verified tokens; when full it is emptied.
const maxVerified = 4096

// NewTokens returns Tokens that sign with secret (at least 32 bytes; it is
// copied) and issue tokens valid for ttl (positive). now is
// the clock; nil means time.Now.
func NewTokens(secret []byte, ttl time.Duration, now func() time.Time) (*Tokens, error) {
	if len(secret) < minSecretLen {
		return nil, fmt.Errorf("new tokens: secret is %d bytes, want at least %d", len(secret), minSecretLen)
	}
	if ttl <= 0 {
		return nil, fmt.Errorf("new tokens: ttl %v is not positive", ttl)
	}
	if now == nil {
		now = time.Now
	}
	t := &Tokens{secret: append([]byte(nil), secret...), ttl: ttl, now: now, cache: &verifiedCache{}}
	t.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(now),
		jwt.WithStrictDecoding(),
		// No leeway: like PyJWT in the original, a token is expired from
		// its exp second on.
	)
	t.keyFunc = func(tok *jwt.Token) (any, error) {
		// WithValidMethods already refuses other algorithms; this makes the
		// key unreachable for them even if that option is ever dropped.
		if tok.Method != jwt.SigningMethodHS256 {
			return nil, errors.New("unexpected signing method")
		}
		return t.secret, nil
	}
	return t, nil
}

// Issue returns a token for userID at session version (not negative),
// valid from now for the Tokens' ttl. Its header is
// {"alg":"HS256","typ":"JWT"} and its claims are sub (userID in canonical
// form), exp and iat (Unix seconds) and ver. It fails only on a nil userID
// or a negative version.
func (t *Tokens) Issue(userID uuid.UUID, version int) (string, error) {
	if userID == uuid.Nil {
		return "", errors.New("issue token: nil user id")
	}
	if version < 0 {
		return "", fmt.Errorf("issue token: negative session version %d", version)
	}
	now := t.now()
	exp := now.Add(t.ttl).Unix()
	c := &claims{Subject: userID.String(), ExpiresAt: &exp, IssuedAt: now.Unix(), Version: version}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.secret)
	if err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	return s, nil
}

// Verify checks token and returns its claims. It accepts only what Issue
// produces with the same secret: an HS256 signature (alg "none" and every
// other algorithm are refused), an exp claim not yet reached (no leeway),
// a sub that is a user id in canonical UUID form, and a ver that is a
// non-negative integer or absent (version 0). Every failure matches
// ErrInvalidToken; an authentic but expired token also matches ErrExpired.
// Verify does not know about users: the caller must still check that the
// user exists and that Claims.Version is the user's current version.
func (t *Tokens) Verify(token string) (Claims, error) {
	t.cache.mu.Lock()
	cached, hit := t.cache.m[token]
	t.cache.mu.Unlock()
	if hit {
		if !t.now().Before(cached.ExpiresAt) {
			return Claims{}, fmt.Errorf("%w", ErrExpired)
		}
		return cached, nil
	}
	if token == "" || len(token) > maxTokenLen || !base64URLText(token) {
		return Claims{}, fmt.Errorf("%w: malformed", ErrInvalidToken)
	}
	var c claims
	if _, err := t.parser.ParseWithClaims(token, &c, t.keyFunc); err != nil {
		return Claims{}, verifyError(err)
	}
	id, err := uuid.Parse(c.Subject)
	if err != nil || id == uuid.Nil || id.String() != c.Subject {
		return Claims{}, fmt.Errorf("%w: subject is not a user id", ErrInvalidToken)
	}
	if c.Version < 0 {
		return Claims{}, fmt.Errorf("%w: negative session version", ErrInvalidToken)
	}
	out := Claims{UserID: id, Version: c.Version, ExpiresAt: time.Unix(*c.ExpiresAt, 0).UTC()}
	t.cache.mu.Lock()
	if t.cache.m == nil || len(t.cache.m) >= maxVerified {
		t.cache.m = make(map[string]Claims)
	}
	t.cache.m[token] = out
	t.cache.mu.Unlock()
	return out, nil
}

// Format prints "[redacted]" for every verb, so that logging Tokens cannot
// reveal the secret.
func (Tokens) Format(f fmt.State, _ rune) { writeRedacted(f) }

// verifyError turns a jwt error into ours. The jwt errors are not wrapped:
// some quote parts of the token (the alg header, JSON syntax errors).
func verifyError(err error) error {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		// jwt checks claims only after the signature, so this token is ours.
		return ErrExpired
	case errors.Is(err, jwt.ErrTokenMalformed):
		return fmt.Errorf("%w: malformed", ErrInvalidToken)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return fmt.Errorf("%w: bad signature or algorithm", ErrInvalidToken)
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return fmt.Errorf("%w: no expiry", ErrInvalidToken)
	default:
		return fmt.Errorf("%w: rejected", ErrInvalidToken)
	}
}

// claims is the JWT payload. It implements jwt.Claims itself, rather than
// embedding jwt.RegisteredClaims, so that exp and iat are always whole
// seconds (RegisteredClaims follows the global jwt.TimePrecision and
// accepts fractions) and nbf, iss and aud are not part of our format.
type claims struct {
	Subject   string `json:"sub"`
	ExpiresAt *int64 `json:"exp"` // nil when absent, which Verify refuses
	IssuedAt  int64  `json:"iat"`
	Version   int    `json:"ver"`
}

func (c *claims) GetExpirationTime() (*jwt.NumericDate, error) {
	if c.ExpiresAt == nil {
		return nil, nil
	}
	// Not jwt.NewNumericDate: it truncates to the global jwt.TimePrecision.
	return &jwt.NumericDate{Time: time.Unix(*c.ExpiresAt, 0)}, nil
}

func (c *claims) GetIssuedAt() (*jwt.NumericDate, error) {
	return &jwt.NumericDate{Time: time.Unix(c.IssuedAt, 0)}, nil
}

func (*claims) GetNotBefore() (*jwt.NumericDate, error) { return nil, nil }
func (*claims) GetIssuer() (string, error)              { return "", nil }
func (c *claims) GetSubject() (string, error)           { return c.Subject, nil }
func (*claims) GetAudience() (jwt.ClaimStrings, error)  { return nil, nil }
