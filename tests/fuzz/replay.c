/*
 * Runs a fuzz target over its committed corpus without libFuzzer, so that
 * every `make check` replays the seeds (and any crash input added to the
 * corpus after a fix) through the ordinary build.  Prints TAP.
 * Usage: replay_X [DIR...]; without arguments, the corpus it was built for.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	static unsigned char buf[1 << 20];
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

int main(int argc, char **argv)
{
	char *names[4096];
	size_t count = 0;
	int failed = 0;

	static char *default_dirs[] = { NULL, CORPUS_DIR, NULL };

	if (argc < 2) {
		argv = default_dirs;
		argc = 2;
	}
	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *de;

		if (d == NULL) {
			fprintf(stderr, "%s: cannot open\n", argv[i]);
			return 1;
		}
		while ((de = readdir(d)) != NULL && count < 4096) {
			if (de->d_name[0] == '.')
				continue;
			if (asprintf(&names[count], "%s/%s", argv[i], de->d_name) < 0)
				return 1;
			count++;
		}
		closedir(d);
	}
	if (count == 0) {
		fprintf(stderr, "no corpus files\n");
		return 1;
	}
	qsort(names, count, sizeof names[0], cmp);
	printf("1..%zu\n", count);
	for (size_t i = 0; i < count; i++) {
		/* A crash or abort ends the program: the harness reports it. */
		int rc = run_file(names[i]);

		printf("%s %zu - %s\n", rc == 0 ? "ok" : "not ok", i + 1, names[i]);
		failed |= rc != 0;
		free(names[i]);
	}
	return failed;
}
