/*
 * The QR code of a new virtual MFA device (SPEC §10): the symbol is made
 * by libqrencode, the PNG by libpng; this file only lays out pixels.
 * Both hold the seed: every buffer is wiped before it is freed.
 */
#include "config.h"

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <qrencode.h>

#include "cli.h"

/* Pixels per module and the quiet zone (4 modules, as ISO/IEC 18004 asks). */
#define SCALE 6
#define QUIET 4

/* The PNG (it encodes the seed) into a growable iampw_buf, wiped as it grows. */
static void mem_write(png_structp png, png_bytep data, png_size_t n)
{
	iampw_buf_add(png_get_io_ptr(png), data, n);
}

static void mem_flush(png_structp png)
{
	(void)png;
}

static QRcode *encode(const char *text)
{
	/* Level M, as authenticator enrolment codes commonly use. */
	return QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
}

static void qr_free(QRcode *q)
{
	if (q == NULL)
		return;
	iampw_wipe(q->data, (size_t)q->width * (size_t)q->width);
	QRcode_free(q);
}

static bool dark(const QRcode *q, int x, int y)
{
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return false;
	return (q->data[y * q->width + x] & 1) != 0;
}

/* Write the PNG; the caller handles libpng's longjmp. */
static bool write_rows(png_structp png, png_infop info, const QRcode *q, png_bytep row,
		       int side)
{
	png_set_IHDR(png, info, (png_uint_32)side, (png_uint_32)side, 8, PNG_COLOR_TYPE_GRAY,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < side; y++) {
		for (int x = 0; x < side; x++)
			row[x] = dark(q, x / SCALE - QUIET, y / SCALE - QUIET) ? 0 : 255;
		png_write_row(png, row);
	}
	png_write_end(png, info);
	return true;
}

int qr_png(const char *text, unsigned char **out, size_t *outlen)
{
	struct iampw_buf m = { 0 };
	png_structp png = NULL;
	png_infop info = NULL;
	png_bytep volatile row = NULL;
	QRcode *q = encode(text);
	int side, rc = -1;

	*out = NULL;
	*outlen = 0;
	if (q == NULL)
		return -1;
	side = (q->width + 2 * QUIET) * SCALE;
	row = malloc((size_t)side);
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (png != NULL)
		info = png_create_info_struct(png);
	if (row == NULL || png == NULL || info == NULL)
		goto out;
	if (setjmp(png_jmpbuf(png)))
		goto out;
	png_set_write_fn(png, &m, mem_write, mem_flush);
	write_rows(png, info, q, row, side);
	if (!m.failed && m.p != NULL) {
		*out = (unsigned char *)m.p;
		*outlen = m.len;
		m.p = NULL;
		rc = 0;
	}
out:
	png_destroy_write_struct(&png, &info);
	free(row);
	iampw_buf_free(&m);
	qr_free(q);
	return rc;
}

/*
 * Two modules per character cell with Unicode half blocks, dark modules
 * drawn as the terminal's background: printed on a dark terminal the
 * light modules are the foreground, which phones read either way.
 */
int qr_terminal(FILE *f, const char *text)
{
	static const char *const cell[4] = { "\u2588", "\u2584", "\u2580", " " };
	QRcode *q = encode(text);

	if (q == NULL)
		return -1;
	for (int y = -QUIET; y < q->width + QUIET; y += 2) {
		for (int x = -QUIET; x < q->width + QUIET; x++) {
			/* index: bit 0 = top dark, bit 1 = bottom dark; light is drawn. */
			int top = dark(q, x, y), bottom = dark(q, x, y + 1);

			fputs(cell[top | bottom << 1], f);
		}
		fputc('\n', f);
	}
	qr_free(q);
	return fflush(f) == 0 ? 0 : -1;
}
