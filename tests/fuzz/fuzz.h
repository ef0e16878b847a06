/* The libFuzzer entry point, and the oracle every loader's report meets. */
#ifndef IAMPW_FUZZ_H
#define IAMPW_FUZZ_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iampw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_report {
	const char *display; /* the only file a loader of one input may name */
	char joined[IAMPW_ERR_TEXT];
	size_t len;
	char fields[2 * IAMPW_ERR_TEXT]; /* code, file, line, text of each */
	size_t flen;
};

static inline void fuzz_report_one(void *arg, const struct iampw_problem *p)
{
	struct fuzz_report *r = arg;
	size_t m = strlen(p->message), t = strlen(p->text);
	int k;

	/* The text is the message's end; the file and line, its start. */
	if (p->code > IAMPW_OK || t > m || strcmp(p->message + m - t, p->text) != 0)
		abort();
	if (p->file != NULL) {
		char where[IAMPW_ERR_TEXT + 32];
		size_t f = strlen(p->file);
		int w = p->line > 0 ? snprintf(where, sizeof where, "%s:%u: ", p->file, p->line)
				    : snprintf(where, sizeof where, "%s: ", p->file);

		/* "file:line: text", or its start when the report was cut there. */
		if (w < 0 || strncmp(p->file, r->display, f) != 0 ||
		    (t > 0 && (f != strlen(r->display) || (size_t)w + t != m)) ||
		    strncmp(p->message, where, m < (size_t)w ? m : (size_t)w) != 0)
			abort();
	} else if (p->line != 0 || t != m) {
		abort();
	}
	if (r->len + 1 + m >= sizeof r->joined)
		abort();
	if (r->len > 0)
		r->joined[r->len++] = '\n';
	memcpy(r->joined + r->len, p->message, m + 1);
	r->len += m;
	k = snprintf(r->fields + r->flen, sizeof r->fields - r->flen, "%d|%s|%u|%s\n", p->code,
		     p->file != NULL ? p->file : "-", p->line, p->text);
	if (k < 0 || (size_t)k >= sizeof r->fields - r->flen)
		abort();
	r->flen += (size_t)k;
}

/*
 * A report's problems, as iampw_err_each hands them over, say what its
 * text says, line for line, and name no file but the one read.
 */
static inline void fuzz_check_report(const struct iampw_err *e, const char *display,
				     struct fuzz_report *r)
{
	memset(r, 0, sizeof *r);
	r->display = display;
	iampw_err_each(e, fuzz_report_one, r);
	if (strcmp(r->joined, e->text) != 0 || e->kept > IAMPW_ERR_PROBLEMS ||
	    e->kept > e->count || (e->count > 0 && e->code == IAMPW_OK))
		abort();
}
#endif
