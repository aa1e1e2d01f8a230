#!/usr/bin/env bash
# Regenerates internal/content/testdata/corpus: PDFs made by real producers
# from the sources in testdata/corpus/src, each with poppler's pdftotext
# output as its reference (<name>.txt). Not run by make test: the test
# reads the committed files. Needs texlive (pdflatex, lualatex, beamer),
# LibreOffice (writer, impress), Chromium, groff, Ghostscript, qpdf and
# poppler-utils; it installs the Debian packages that are missing.
#
#   scripts/pdf-corpus.sh
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
OUT=$REPO/internal/content/testdata/corpus
SRC=$OUT/src

need() { command -v "$1" >/dev/null 2>&1 || { echo "installing $2" >&2; ${SUDO:-} apt-get install -y -qq --no-install-recommends "$2" >/dev/null; }; }
need pdflatex texlive-latex-base
need lualatex texlive-luatex
kpsewhich beamer.cls >/dev/null 2>&1 || need beamer-missing texlive-latex-recommended
kpsewhich pgfmath.sty >/dev/null 2>&1 || need pgf-missing texlive-pictures
kpsewhich lmodern.sty >/dev/null 2>&1 || need lmodern-missing lmodern
need soffice libreoffice-writer
[ -e /usr/lib/libreoffice/program/simpress ] || need simpress-missing libreoffice-impress
need chromium chromium
groff -ms -Tps </dev/null >/dev/null 2>&1 || need groff-ms-missing groff
need ps2pdf ghostscript
need qpdf qpdf
need pdftotext poppler-utils

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp "$SRC"/* "$WORK"/
cd "$WORK"
# Reproducible TeX output: fixed dates and trailer IDs.
export SOURCE_DATE_EPOCH=1767225600 FORCE_SOURCE_DATE=1 TZ=UTC

tex() { # engine name
	"$1" -interaction=nonstopmode -halt-on-error "$2.tex" >/dev/null
	"$1" -interaction=nonstopmode -halt-on-error "$2.tex" >/dev/null # beamer and \maketitle settle on the second run
}
tex pdflatex latex_norsk_ot1
tex pdflatex latex_twocolumn
tex pdflatex beamer_slides
tex lualatex lualatex_notes

groff -ms -Tps groff_ms.ms >groff_ms.ps
ps2pdf groff_ms.ps groff_ms.pdf

# The scanned page: the groff page as a picture, in a PDF with no text.
pdftoppm -r 90 -gray -png -singlefile -f 1 -l 1 groff_ms.pdf scan
tex pdflatex scan_image

LO=(soffice --headless "-env:UserInstallation=file://$WORK/lo")
"${LO[@]}" --infilter="HTML (StarWriter)" --convert-to docx:"MS Word 2007 XML" writer_handout.html >/dev/null 2>&1
mv writer_handout.docx writer_docx.docx
"${LO[@]}" --convert-to pdf writer_docx.docx >/dev/null 2>&1
"${LO[@]}" --convert-to pdf impress_deck.fodp >/dev/null 2>&1

chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
	--print-to-pdf="$WORK/chromium_page.pdf" "file://$WORK/chromium_page.html" >/dev/null 2>&1

# Encrypted variants of one document we read well, empty user password.
base=lualatex_notes.pdf
qpdf --encrypt "" owner 256 -- "$base" enc_aes256_r6.pdf
qpdf --encrypt "" owner 256 --force-R5 -- "$base" enc_aes256_r5.pdf
qpdf --encrypt "" owner 128 --use-aes=y -- "$base" enc_aes128.pdf
qpdf --allow-weak-crypto --encrypt "" owner 128 -- "$base" enc_rc4_128.pdf
qpdf --allow-weak-crypto --encrypt "" owner 40 -- "$base" enc_rc4_40.pdf
# A real user password: must stay unreadable (no reference text).
qpdf --encrypt secret owner 256 -- "$base" "$OUT/locked_userpw.pdf"

for pdf in latex_norsk_ot1 latex_twocolumn beamer_slides lualatex_notes groff_ms scan_image \
	writer_docx impress_deck chromium_page enc_aes256_r6 enc_aes256_r5 enc_aes128 enc_rc4_128 enc_rc4_40; do
	cp "$pdf.pdf" "$OUT/$pdf.pdf"
	pdftotext -enc UTF-8 "$pdf.pdf" "$OUT/$pdf.txt"
done
if grep -l -a -e "$WORK" -e "$REPO" "$OUT"/*.pdf; then
	echo "a PDF names a path of this machine" >&2
	exit 1
fi
ls -l "$OUT"
