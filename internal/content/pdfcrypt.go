package content

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5" //nolint:gosec // PDF's standard security handler is defined with MD5
	"crypto/rc4" //nolint:gosec // and RC4: reading such files needs them
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
)

// This file opens PDFs encrypted with an empty user password that the PDF
// library cannot: AES-256 (V5, revisions 5 and 6) and RC4 keys shorter
// than 128 bits (the library derives their object keys wrongly). The
// document is decrypted here, in a copy, with every string and stream
// rewritten in its own place (decrypted data is never longer), so the
// cross-reference offsets stay valid; the trailer's /Encrypt key is then
// renamed and the library reads a plain file. Other encryptions (AES-128,
// RC4-128) are left to the library, which reads them.

// errUserPassword is returned when the document needs a real password.
var errUserPassword = errors.New("encrypted with a user password")

// pdfCrypt is the standard security handler's state for one document.
type pdfCrypt struct {
	key       []byte
	rev       int
	stm, str  string // crypt method of streams and strings: "RC4", "AESV2", "AESV3", "Identity"
	keepMeta  bool   // EncryptMetadata false: the metadata stream is not encrypted
	encryptID int    // object number of the encryption dictionary
}

var passwordPad = []byte("\x28\xbf\x4e\x5e\x4e\x75\x8a\x41\x64\x00\x4e\x56\xff\xfa\x01\x08\x2e\x2e\x00\xb6\xd0\x68\x3e\x80\x2f\x0c\xa9\xfe\x64\x53\x69\x7a")

// pdfValue is a parsed PDF object: dict, array, name, number, string or
// reference; only what the encryption dictionary needs.
type pdfValue struct {
	kind     tokenKind // tokDictOpen, tokArrayOpen, tokName, tokNumber, tokString, tokKeyword ("R" for a reference)
	dict     map[string]pdfValue
	arr      []pdfValue
	str      string
	num      float64
	ref      int
	from, to int // byte span of a string token
}

// parseValue parses one object at l, calling onString for each string.
// depth bounds nesting.
func (l *lexer) parseValue(depth int, onString func(v pdfValue)) (pdfValue, bool) {
	start := l.i
	t := l.next()
	switch t.kind {
	case tokEOF, tokDictClose, tokArrayClose:
		return pdfValue{}, false
	case tokString:
		l.skipSpace()
		v := pdfValue{kind: tokString, str: t.str, from: start, to: l.i}
		for v.from < v.to && isPDFSpace(l.b[v.from]) {
			v.from++
		}
		v.to = v.from
		l2 := lexer{b: l.b, i: v.from}
		l2.next()
		v.to = l2.i
		if onString != nil {
			onString(v)
		}
		return v, true
	case tokDictOpen:
		v := pdfValue{kind: tokDictOpen, dict: map[string]pdfValue{}}
		for depth < maxArrayDepth {
			save := l.i
			k := l.next()
			if k.kind != tokName {
				if k.kind != tokDictClose {
					l.i = save
					l.skipDict()
				}
				return v, true
			}
			val, ok := l.parseValue(depth+1, onString)
			if !ok {
				return v, true
			}
			v.dict[k.str] = val
		}
		return v, true
	case tokArrayOpen:
		v := pdfValue{kind: tokArrayOpen}
		for len(v.arr) < maxArrayLength && depth < maxArrayDepth {
			save := l.i
			if l.next().kind == tokArrayClose {
				return v, true
			}
			l.i = save
			val, ok := l.parseValue(depth+1, onString)
			if !ok {
				l.next()
				return v, true
			}
			v.arr = append(v.arr, val)
		}
		return v, true
	case tokNumber:
		// "N G R" is a reference.
		save := l.i
		g, r := l.next(), l.next()
		if g.kind == tokNumber && r.kind == tokKeyword && r.str == "R" {
			return pdfValue{kind: tokKeyword, str: "R", ref: int(t.num)}, true
		}
		l.i = save
		return pdfValue{kind: tokNumber, num: t.num}, true
	default:
		return pdfValue{kind: t.kind, str: t.str}, true
	}
}

// cryptScan is one decryption's view of the file: an index of object
// offsets built in one pass (so an indirect /Length costs a map lookup,
// not a scan of the file), and the limits of ExtractPDF it runs under:
// its deadline and its MaxContentBytes, which the decrypted bytes use up.
type cryptScan struct {
	ctx  context.Context //nolint:containedctx // one call's deadline
	data []byte
	objs map[int]int // object number -> offset just after its last "N G obj"
	left int64       // bytes that may still be decrypted
	work int64       // bytes examined looking for object headers (tests bound it)
}

// Errors that stop a decryption at ExtractPDF's limits.
var (
	errDecryptTime   = errors.New("decrypting stopped at the time limit")
	errDecryptBudget = errors.New("decrypting stopped: content budget spent")
)

func newCryptScan(ctx context.Context, data []byte, budget int64) (*cryptScan, error) {
	s := &cryptScan{ctx: ctx, data: data, objs: make(map[int]int), left: budget}
	for i, n := 0, 0; ; n++ {
		if err := s.check(n); err != nil {
			return nil, err
		}
		num, _, end, ok := s.nextObjHeader(i)
		if !ok {
			return s, nil
		}
		s.objs[num] = end // the last definition wins, as in an update
		i = end
	}
}

// check returns errDecryptTime once the deadline has passed; it looks
// every 256 calls (n counts them).
func (s *cryptScan) check(n int) error {
	if n%256 == 0 && s.ctx.Err() != nil {
		return errDecryptTime
	}
	return nil
}

// spend takes n bytes from the budget.
func (s *cryptScan) spend(n int) error {
	s.left -= int64(n)
	if s.left < 0 {
		return errDecryptBudget
	}
	return nil
}

// nextObjHeader finds the first object header "N G obj" that starts at or
// after from (N up to 10 digits not preceded by a digit, G up to 5, white
// space between, "obj" not followed by a letter, digit or _). It returns
// N, G and the offset just after "obj".
func (s *cryptScan) nextObjHeader(from int) (num, gen, end int, ok bool) {
	data := s.data
	for i := from; i < len(data); {
		at := bytes.Index(data[i:], []byte("obj"))
		if at < 0 {
			s.work += int64(len(data) - i)
			return 0, 0, 0, false
		}
		at += i
		s.work += int64(at + 3 - i)
		i = at + 3
		if i < len(data) && isWordByte(data[i]) {
			continue
		}
		j, spaces := at, 0
		for ; j > from && isHeaderSpace(data[j-1]); j-- {
			spaces++
		}
		g, gDigits := backDigits(data, from, j)
		if spaces == 0 || gDigits == 0 || gDigits > 5 {
			continue
		}
		j -= gDigits
		for spaces = 0; j > from && isHeaderSpace(data[j-1]); j-- {
			spaces++
		}
		n, nDigits := backDigits(data, from, j)
		if spaces == 0 || nDigits == 0 || nDigits > 10 || (j-nDigits > from && isDigit(data[j-nDigits-1])) {
			continue
		}
		return n, g, i, true
	}
	return 0, 0, 0, false
}

// backDigits reads the run of digits that ends at data[to] (exclusive),
// not looking before from; it returns its value and its length (the
// value is meaningful only for runs of up to 10 digits).
func backDigits(data []byte, from, to int) (value, n int) {
	for n < 11 && to-n > from && isDigit(data[to-n-1]) {
		n++
	}
	for _, c := range data[to-n : to] {
		value = value*10 + int(c-'0')
	}
	return value, n
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isHeaderSpace is PDF white space (NUL, tab, LF, FF, CR, space).
func isHeaderSpace(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isWordByte(c byte) bool {
	return isDigit(c) || c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// resolve follows a reference to the value of its object.
func (s *cryptScan) resolve(v pdfValue) pdfValue {
	if v.kind != tokKeyword || v.str != "R" {
		return v
	}
	at, ok := s.objs[v.ref]
	if !ok {
		return pdfValue{}
	}
	l := lexer{b: s.data, i: at}
	val, _ := l.parseValue(0, nil)
	return val
}

// findEncryption returns the encryption dictionary and the first file ID
// named by the document's last trailer, or ok false when it has none.
func findEncryption(s *cryptScan) (enc pdfValue, encID int, id []byte, ok bool) {
	data := s.data
	for end := len(data); ; {
		at := bytes.LastIndex(data[:end], []byte("/Encrypt"))
		if at < 0 {
			return enc, 0, nil, false
		}
		end = at
		after := at + len("/Encrypt")
		if after < len(data) && isRegular(data[after]) {
			continue // /EncryptMetadata
		}
		l := lexer{b: data, i: after}
		v, okV := l.parseValue(0, nil)
		if !okV {
			continue
		}
		if v.kind == tokKeyword && v.str == "R" {
			encID = v.ref
		}
		enc = s.resolve(v)
		if enc.kind != tokDictOpen {
			continue
		}
		// The ID is in the same trailer dictionary, near /Encrypt.
		if i := bytes.Index(data[max(at-4096, 0):], []byte("/ID")); i >= 0 {
			l := lexer{b: data, i: max(at-4096, 0) + i + 3}
			if ids, _ := l.parseValue(0, nil); ids.kind == tokArrayOpen && len(ids.arr) > 0 {
				id = []byte(ids.arr[0].str)
			}
		}
		return enc, encID, id, true
	}
}

func (v pdfValue) int(key string) int {
	x, ok := v.dict[key]
	if !ok || x.kind != tokNumber {
		return 0
	}
	return int(x.num)
}

// newPDFCrypt derives the file key for the empty user password. It
// returns nil and no error when the library can open the document itself.
func newPDFCrypt(s *cryptScan) (*pdfCrypt, error) {
	enc, encID, id, ok := findEncryption(s)
	if !ok {
		return nil, nil
	}
	if f := enc.dict["Filter"]; f.str != "Standard" {
		return nil, fmt.Errorf("encryption filter %q not supported", f.str)
	}
	v, rev := enc.int("V"), enc.int("R")
	length := enc.int("Length")
	if length == 0 {
		length = 40
	}
	c := &pdfCrypt{rev: rev, stm: "RC4", str: "RC4", encryptID: encID, keepMeta: false}
	if m, ok := enc.dict["EncryptMetadata"]; ok && m.str == "false" {
		c.keepMeta = true
	}
	if v >= 4 {
		cf := enc.dict["CF"]
		method := func(name string) string {
			n := enc.dict[name].str
			if n == "" || n == "Identity" {
				return "Identity"
			}
			switch m := cf.dict[n].dict["CFM"].str; m {
			case "V2":
				return "RC4"
			case "AESV2", "AESV3":
				return m
			default:
				return "unknown " + m
			}
		}
		c.stm, c.str = method("StmF"), method("StrF")
		if l := cf.dict[enc.dict["StmF"].str].int("Length"); l > 0 && l <= 16 && c.stm == "RC4" {
			length = l * 8
		}
	}
	O, U := []byte(enc.dict["O"].str), []byte(enc.dict["U"].str)
	switch {
	case v == 5 && (rev == 5 || rev == 6):
		if len(U) < 48 {
			return nil, errors.New("malformed encryption dictionary")
		}
		if !bytes.Equal(hashR56(rev, nil, U[32:40], nil), U[:32]) {
			return nil, errUserPassword
		}
		ue := []byte(enc.dict["UE"].str)
		if len(ue) != 32 {
			return nil, errors.New("malformed encryption dictionary")
		}
		block, _ := aes.NewCipher(hashR56(rev, nil, U[40:48], nil))
		c.key = make([]byte, 32)
		cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(c.key, ue)
		return c, nil
	case v == 5:
		return nil, fmt.Errorf("encryption revision %d not supported", rev)
	case length >= 128 && (c.stm == "RC4" || c.stm == "AESV2"):
		return nil, nil // the library reads these
	}
	if rev < 2 || rev > 4 || len(O) < 32 || len(U) < 32 || length < 40 || length > 128 {
		return nil, errors.New("malformed encryption dictionary")
	}
	c.key = keyR234(rev, length/8, O, uint32(int32(enc.int("P"))), id, c.keepMeta)
	if !c.userPasswordOK(U, id) {
		return nil, errUserPassword
	}
	return c, nil
}

// keyR234 is ISO 32000-1 algorithm 2 with the empty password.
func keyR234(rev, n int, O []byte, p uint32, id []byte, keepMeta bool) []byte {
	h := md5.New() //nolint:gosec
	h.Write(passwordPad)
	h.Write(O[:32])
	h.Write([]byte{byte(p), byte(p >> 8), byte(p >> 16), byte(p >> 24)})
	h.Write(id)
	if rev >= 4 && keepMeta {
		h.Write([]byte{0xff, 0xff, 0xff, 0xff})
	}
	key := h.Sum(nil)
	if rev == 2 {
		return key[:5]
	}
	for range 50 {
		s := md5.Sum(key[:n]) //nolint:gosec
		key = s[:]
	}
	return key[:n]
}

// userPasswordOK is algorithms 4 and 5: the empty password's U.
func (c *pdfCrypt) userPasswordOK(U, id []byte) bool {
	if c.rev == 2 {
		u := make([]byte, 32)
		r, _ := rc4.NewCipher(c.key) //nolint:gosec
		r.XORKeyStream(u, passwordPad)
		return bytes.Equal(u, U[:32])
	}
	h := md5.New() //nolint:gosec
	h.Write(passwordPad)
	h.Write(id)
	u := h.Sum(nil)
	for i := range 20 {
		k := bytes.Clone(c.key)
		for j := range k {
			k[j] ^= byte(i)
		}
		r, _ := rc4.NewCipher(k) //nolint:gosec
		r.XORKeyStream(u, u)
	}
	return bytes.Equal(u, U[:16])
}

// hashR56 is the password hash of revision 5 (SHA-256) and revision 6
// (ISO 32000-2 algorithm 2.B: rounds of AES-128 and SHA-256/384/512).
func hashR56(rev int, pw, salt, udata []byte) []byte {
	h := sha256.New()
	h.Write(pw)
	h.Write(salt)
	h.Write(udata)
	k := h.Sum(nil)
	if rev == 5 {
		return k
	}
	var e []byte
	for i := 0; i < 64 || int(e[len(e)-1]) > i-32; i++ {
		k1 := bytes.Repeat(append(append(append([]byte{}, pw...), k...), udata...), 64)
		block, _ := aes.NewCipher(k[:16])
		e = make([]byte, len(k1))
		cipher.NewCBCEncrypter(block, k[16:32]).CryptBlocks(e, k1)
		sum := 0
		for _, b := range e[:16] {
			sum += int(b)
		}
		switch sum % 3 {
		case 0:
			s := sha256.Sum256(e)
			k = s[:]
		case 1:
			s := sha512.Sum384(e)
			k = s[:]
		default:
			s := sha512.Sum512(e)
			k = s[:]
		}
	}
	return k[:32]
}

// objectKey is algorithm 1's key for object num, gen.
func (c *pdfCrypt) objectKey(method string, num, gen int) []byte {
	if method == "AESV3" {
		return c.key
	}
	h := md5.New() //nolint:gosec
	h.Write(c.key)
	h.Write([]byte{byte(num), byte(num >> 8), byte(num >> 16), byte(gen), byte(gen >> 8)})
	if method == "AESV2" {
		h.Write([]byte("sAlT"))
	}
	return h.Sum(nil)[:min(len(c.key)+5, 16)]
}

// decrypt returns the plain text of b; never longer than b.
func (c *pdfCrypt) decrypt(method string, num, gen int, b []byte) []byte {
	switch method {
	case "Identity":
		return b
	case "RC4":
		out := make([]byte, len(b))
		r, _ := rc4.NewCipher(c.objectKey(method, num, gen)) //nolint:gosec
		r.XORKeyStream(out, b)
		return out
	}
	if len(b) < 32 || len(b)%16 != 0 {
		return nil
	}
	block, err := aes.NewCipher(c.objectKey(method, num, gen))
	if err != nil {
		return nil
	}
	out := make([]byte, len(b)-16)
	cipher.NewCBCDecrypter(block, b[:16]).CryptBlocks(out, b[16:])
	if p := int(out[len(out)-1]); p >= 1 && p <= 16 {
		out = out[:len(out)-p]
	}
	return out
}

// decryptPDF returns data itself when the library can open it, or a
// decrypted copy and the bytes it decrypted; errUserPassword when the
// empty password does not open it. It stops with errDecryptTime when ctx
// is done and errDecryptBudget when more than budget bytes are to be
// decrypted. Its work is linear in the size of data.
func decryptPDF(ctx context.Context, data []byte, budget int64) ([]byte, int64, error) {
	if !bytes.Contains(data, []byte("/Encrypt")) {
		return data, 0, nil
	}
	s, err := newCryptScan(ctx, data, budget)
	if err != nil {
		return nil, 0, err
	}
	return s.decrypt()
}

// decrypt is decryptPDF once the object index is built.
func (s *cryptScan) decrypt() ([]byte, int64, error) {
	data, budget := s.data, s.left
	c, err := newPDFCrypt(s)
	if err != nil || c == nil {
		return data, 0, err
	}
	out := bytes.Clone(data)
	for i, n := 0, 0; ; n++ {
		if err := s.check(n); err != nil {
			return nil, 0, err
		}
		num, gen, end, ok := s.nextObjHeader(i)
		if !ok {
			break
		}
		i = end
		skip := num == c.encryptID && c.encryptID != 0
		l := lexer{b: data, i: i}
		var strs []pdfValue
		v, ok := l.parseValue(0, func(s pdfValue) { strs = append(strs, s) })
		if !ok {
			continue
		}
		typ := v.dict["Type"].str
		if typ == "XRef" {
			skip = true
		}
		if !skip && c.str != "Identity" {
			for _, str := range strs {
				if err := s.spend(len(str.str)); err != nil {
					return nil, 0, err
				}
				c.rewriteString(out, str, c.decrypt(c.str, num, gen, []byte(str.str)))
			}
		}
		save := l.i
		if t := l.next(); t.kind != tokKeyword || t.str != "stream" {
			l.i = save
			i = l.i
			continue
		}
		start := l.i
		if start < len(data) && data[start] == '\r' {
			start++
		}
		if start < len(data) && data[start] == '\n' {
			start++
		}
		lv := s.resolve(v.dict["Length"])
		length := int(lv.num)
		if lv.kind != tokNumber || length < 0 || start+length > len(data) {
			end := bytes.Index(data[start:], []byte("endstream"))
			s.work += int64(end + len("endstream"))
			if end < 0 {
				break
			}
			length = end
		}
		if !skip && !(typ == "Metadata" && c.keepMeta) && c.stm != "Identity" {
			if err := s.spend(length); err != nil {
				return nil, 0, err
			}
			plain := c.decrypt(c.stm, num, gen, data[start:start+length])
			dst := out[start : start+length]
			copy(dst, plain)
			for k := len(plain); k < len(dst); k++ {
				dst[k] = '\n'
			}
		}
		i = start + length
	}
	// The trailer no longer names an encryption: the library reads the
	// file as plain.
	for i := 0; ; {
		at := bytes.Index(data[i:], []byte("/Encrypt"))
		if at < 0 {
			break
		}
		i += at + len("/Encrypt")
		if i < len(data) && isRegular(data[i]) {
			continue
		}
		out[i-1] = '_'
	}
	return out, budget - s.left, nil
}

// rewriteString writes plain over the string token s in out: as a hex
// string when it fits, else as a literal string, else empty.
func (c *pdfCrypt) rewriteString(out []byte, s pdfValue, plain []byte) {
	room := s.to - s.from
	var enc []byte
	if 2*len(plain)+2 <= room {
		enc = append(append([]byte{'<'}, hex.EncodeToString(plain)...), '>')
	} else {
		enc = append(enc, '(')
		for _, b := range plain {
			switch b {
			case '(', ')', '\\':
				enc = append(enc, '\\', b)
			case '\r':
				enc = append(enc, '\\', 'r')
			default:
				enc = append(enc, b)
			}
		}
		enc = append(enc, ')')
		if len(enc) > room {
			enc = []byte("()")
		}
	}
	dst := out[s.from:s.to]
	copy(dst, enc)
	for k := len(enc); k < len(dst); k++ {
		dst[k] = ' '
	}
}
