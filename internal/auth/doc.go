// Package auth holds the cryptography of signing in: the app's session
// tokens (HS256 JWTs, Tokens), the OAuth state of the Canvas login
// (StateSigner) and the encryption of Canvas tokens at rest (Cipher).
//
// It is a pure library: it does no I/O, keeps no state between calls and
// never logs. The API owns everything around it: looking users up,
// comparing the session version of a token with the user's, storing state
// nonces for one-time use, and mapping the errors below to HTTP statuses.
//
// Errors are meant for errors.Is and for logs. Their text is fixed per
// failure kind and never contains a key, a token, a state, a ciphertext or
// a plaintext, so a caller may log them as they are. The types also print
// as "[redacted]" with every fmt verb, so a logged struct that holds one
// cannot leak its key.
//
// Keys: Tokens signs with JWT_SECRET; StateSigner uses a key derived from
// the same secret with DeriveKey(secret, PurposeOAuthState), so one secret
// serves both without one ever verifying the other's output; Cipher uses
// TOKEN_ENCRYPTION_KEY (plus retired keys during a rotation).
package auth
