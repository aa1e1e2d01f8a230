package content

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// corpusKeys are the file keys of the corpus's encrypted PDFs as qpdf
// derives them for the empty user password (qpdf --show-encryption-key):
// vectors computed by an independent implementation.
var corpusKeys = map[string]string{
	"enc_aes256_r5.pdf": "4aa874796e6f757728e06abd72a70088041ab84e24b648a414a5cf64106e3ce1",
	"enc_aes256_r6.pdf": "a81fffb692303882e1a3e6eb00752f2a4feae02d81557d519d83a2d04550baa2",
	"enc_rc4_40.pdf":    "c13c3f7fff",
	"enc_aes128.pdf":    "3865462bf5d2b8285b2e50c33b60e13a",
	"enc_rc4_128.pdf":   "3865462bf5d2b8285b2e50c33b60e13a",
}

// TestPDFKeyDerivationCorpus derives each corpus file's key with the empty
// password and compares it with qpdf's: algorithm 2.A (AES-256, R5 with
// SHA-256, R6 with algorithm 2.B) and algorithm 2 (RC4, AES-128). The
// files the library reads itself (AES-128, RC4-128) go through keyR234
// directly.
func TestPDFKeyDerivationCorpus(t *testing.T) {
	t.Parallel()
	for name, want := range corpusKeys {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join("testdata", "corpus", name))
			require.NoError(t, err)
			s, err := newCryptScan(t.Context(), data, 1<<30)
			require.NoError(t, err)
			c, err := newPDFCrypt(s)
			require.NoError(t, err)
			if c == nil {
				// Left to the library: derive the key as it would.
				enc, _, id, ok := findEncryption(s)
				require.True(t, ok)
				c = &pdfCrypt{key: keyR234(enc.int("R"), enc.int("Length")/8, []byte(enc.dict["O"].str),
					uint32(int32(enc.int("P"))), id, false)}
				c.rev = enc.int("R")
				assert.True(t, c.userPasswordOK([]byte(enc.dict["U"].str), id), "the empty password's U")
			}
			assert.Equal(t, want, hex.EncodeToString(c.key))
		})
	}
}

// hash2B is ISO 32000-2 algorithm 2.B written from the standard's text,
// separately from hashR56: K = SHA-256(password, salt, udata); then rounds
// of K1 = 64 copies of (password, K, udata), E = AES-128-CBC(K1) with key
// K[0:16] and IV K[16:32], the first 16 bytes of E as a big-endian number
// modulo 3 choosing SHA-256, -384 or -512 of E as the next K; at least 64
// rounds, ending after the round whose E's last byte is at most the
// round count minus 32.
func hash2B(password, salt, udata []byte) []byte {
	first := sha256.Sum256(bytes.Join([][]byte{password, salt, udata}, nil))
	k := first[:]
	for round := 1; ; round++ {
		k1 := bytes.Repeat(bytes.Join([][]byte{password, k, udata}, nil), 64)
		block, err := aes.NewCipher(k[:16])
		if err != nil {
			panic(err)
		}
		e := make([]byte, len(k1))
		cipher.NewCBCEncrypter(block, k[16:32]).CryptBlocks(e, k1)
		switch new(big.Int).Mod(new(big.Int).SetBytes(e[:16]), big.NewInt(3)).Int64() {
		case 0:
			h := sha256.Sum256(e)
			k = h[:]
		case 1:
			h := sha512.Sum384(e)
			k = h[:]
		case 2:
			h := sha512.Sum512(e)
			k = h[:]
		}
		if round >= 64 && int(e[len(e)-1]) <= round-32 {
			return k[:32]
		}
	}
}

// TestPDFHashR6 compares hashR56 with hash2B on passwords, salts and user
// data (the 48 bytes of U, as the owner password's hash takes) of several
// lengths, and revision 5 with plain SHA-256.
func TestPDFHashR6(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(16, 2))
	bytesOf := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		return b
	}
	for i, pwLen := range []int{0, 1, 5, 16, 127} {
		for _, udataLen := range []int{0, 48} {
			pw, salt, udata := bytesOf(pwLen), bytesOf(8), bytesOf(udataLen)
			assert.Equal(t, hex.EncodeToString(hash2B(pw, salt, udata)), hex.EncodeToString(hashR56(6, pw, salt, udata)),
				"case %d: password %d bytes, udata %d bytes", i, pwLen, udataLen)
			r5 := sha256.Sum256(bytes.Join([][]byte{pw, salt, udata}, nil))
			assert.Equal(t, r5[:], hashR56(5, pw, salt, udata))
		}
	}
}

// hostileEncryptedPDF is a PDF encrypted with AES-256 (the corpus's R6
// dictionary, key corpusKeys["enc_aes256_r6.pdf"]) with one page saying
// text, followed by n streams whose /Length is an indirect object defined
// after them: the shape that made the decryption scan the whole file for
// every stream.
func hostileEncryptedPDF(t testing.TB, text string, n int) []byte {
	t.Helper()
	key, err := hex.DecodeString(corpusKeys["enc_aes256_r6.pdf"])
	require.NoError(t, err)
	encrypt := func(plain []byte) []byte {
		pad := 16 - len(plain)%16
		plain = append(bytes.Clone(plain), bytes.Repeat([]byte{byte(pad)}, pad)...)
		out := make([]byte, 16+len(plain))
		copy(out, "0123456789abcdef") // the IV
		block, err := aes.NewCipher(key)
		require.NoError(t, err)
		cipher.NewCBCEncrypter(block, out[:16]).CryptBlocks(out[16:], plain)
		return out
	}
	var b bytes.Buffer
	var offsets []int
	obj := func(body string) int {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
		return len(offsets)
	}
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R " +
		"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>")
	content := encrypt([]byte("BT /F1 12 Tf 72 700 Td (" + text + ") Tj ET"))
	obj(fmt.Sprintf("<< /Length 5 0 R >>\nstream\n%s\nendstream", content))
	obj(fmt.Sprint(len(content)))
	obj("<< /CF << /StdCF << /AuthEvent /DocOpen /CFM /AESV3 /Length 32 >> >> /Filter /Standard /Length 256 " +
		"/O <8e40d3a05eea1824d6752975e649f2d1f8865c8f277ddce5dab1736e6bc276721c49e89de2fd93e0ea948aff120515ca> " +
		"/OE <aeffa25af6d7d8239d19e2d6477a3dde82d4a7b84175099dd68f61b2c11e26bc> /P -4 /Perms <9c5294a672b61008367cffb734d77b22> " +
		"/R 6 /StmF /StdCF /StrF /StdCF " +
		"/U <1416581d6e7f77f362713362106b72abc94eb1a7f6a849c3fe9fecb75874b5f75b7263b1ca53f363206fa719f88d2d00> " +
		"/UE <9e00b7a56d8399846f37e0b1d5e96c230c85107d5894516eb1479ea8dabcbe68> /V 5 >>")
	junk := encrypt([]byte("q Q"))
	for range n {
		obj(fmt.Sprintf("<< /Length %d 0 R >>\nstream\n%s\nendstream", len(offsets)+2, junk))
		obj(fmt.Sprint(len(junk)))
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Encrypt 6 0 R /ID [<fbfe522c41cbea1d17e0e6d6bcf544d1><c089e15733c6ce4f7f6b39ba350ed43b>] >>\nstartxref\n%d\n%%%%EOF\n",
		len(offsets)+1, xref)
	return b.Bytes()
}

// TestDecryptPDFLinear decrypts a file of 20000 streams with indirect
// lengths and counts the bytes examined looking for objects: at most three
// times the file (one pass to index the objects, one to decrypt them),
// where looking each length up by a scan of the file examined it once per
// stream. The file's page is then read.
func TestDecryptPDFLinear(t *testing.T) {
	t.Parallel()
	const streams = 20000
	data := hostileEncryptedPDF(t, "Hostile but readable", streams)
	s, err := newCryptScan(t.Context(), data, 1<<30)
	require.NoError(t, err)
	plain, used, err := s.decrypt()
	require.NoError(t, err)
	assert.LessOrEqual(t, s.work, int64(3*len(data)), "bytes examined for a %d-byte file", len(data))
	assert.GreaterOrEqual(t, used, int64(streams*32), "every stream was decrypted")
	assert.Equal(t, 1, bytes.Count(plain, []byte("(Hostile but readable) Tj")), "the page content decrypted in place")

	got, err := ExtractPDF(t.Context(), data, PDFLimits{})
	require.NoError(t, err)
	assert.Equal(t, "Hostile but readable", got)
}

// TestDecryptPDFLimits checks that decryption stops at ExtractPDF's limits
// with ErrUnreadablePDF saying which: the content budget (the decrypted
// bytes count against MaxContentBytes) and the deadline (here one passed
// before the work began, from a context of ExtractPDF's own making).
func TestDecryptPDFLimits(t *testing.T) {
	t.Parallel()
	data := hostileEncryptedPDF(t, "Hostile but readable", 2000)

	_, err := ExtractPDF(t.Context(), data, PDFLimits{MaxContentBytes: 10_000})
	require.ErrorIs(t, err, ErrUnreadablePDF)
	assert.ErrorIs(t, err, errDecryptBudget)
	assert.Contains(t, err.Error(), "decrypting stopped: content budget spent")

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err = decryptPDF(ctx, data, 1<<30)
	require.ErrorIs(t, err, errDecryptTime)
	// ExtractPDF reports the caller's own cancellation as such.
	_, err = ExtractPDF(ctx, data, PDFLimits{})
	require.ErrorIs(t, err, context.Canceled)

	// Under the budget, the same file is read.
	got, err := ExtractPDF(t.Context(), data, PDFLimits{MaxContentBytes: 1 << 20})
	require.NoError(t, err)
	assert.Equal(t, "Hostile but readable", got)
}

// TestObjHeaders checks the object header scanner against the forms the
// PDF syntax allows and the look-alikes it must pass over.
func TestObjHeaders(t *testing.T) {
	t.Parallel()
	type hdr struct{ num, gen int }
	scan := func(data string) []hdr {
		s := &cryptScan{data: []byte(data)}
		var out []hdr
		for i := 0; ; {
			num, gen, end, ok := s.nextObjHeader(i)
			if !ok {
				return out
			}
			out = append(out, hdr{num, gen})
			i = end
		}
	}
	assert.Equal(t, []hdr{{1, 0}, {12, 3}, {7, 0}}, scan("1 0 obj\n<<>>\nendobj\n12\r\n3\x00obj(x)endobj 7 0 obj<<"))
	assert.Empty(t, scan("endobj 1 0 objx 1 0obj 10 123456 obj 12345678901 0 obj 1 0 object"))
	assert.Equal(t, []hdr{{1234567890, 65535}}, scan("x1234567890 65535 obj"))
}
