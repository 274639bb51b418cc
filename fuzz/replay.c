/* Replays fuzz inputs without libFuzzer, for `make check`: every file in
 * fuzz/regress/NAME/ (crashes found and fixed) and fuzz/corpus/NAME/ (the
 * seeds), or the files named on the command line, through the target's
 * LLVMFuzzerTestOneInput.  A crash or a failed FUZZ_ASSERT fails it. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *data;
	size_t n;

	if (!f || fstat(fileno(f), &st) < 0) {
		perror(path);
		if (f)
			fclose(f);
		return -1;
	}
	/* Exactly the file's size: a read past it is caught by ASan. */
	n = (size_t)st.st_size;
	data = malloc(n ? n : 1);
	if (!data || fread(data, 1, n, f) != n) {
		fprintf(stderr, "%s: cannot read\n", path);
		fclose(f);
		free(data);
		return -1;
	}
	fclose(f);
	printf("replay %s\n", path);
	fflush(stdout);
	LLVMFuzzerTestOneInput(data, n);
	free(data);
	return 0;
}

/* Every regular file in `dir`, in name order; -1 if it is missing. */
static int replay_dir(const char *dir, int *count)
{
	struct dirent **ents;
	char path[4096];
	int n = scandir(dir, &ents, NULL, alphasort);

	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    ents[i]->d_name[0] != '.' && replay_file(path) == 0)
			(*count)++;
		free(ents[i]);
	}
	free(ents);
	return 0;
}

int main(int argc, char **argv)
{
	int count = 0, failed = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (replay_dir(argv[i], &count) < 0 &&
			    replay_file(argv[i]) == 0)
				count++;
	} else {
		replay_dir("fuzz/regress/" FUZZ_NAME, &count);
		if (replay_dir("fuzz/corpus/" FUZZ_NAME, &count) < 0) {
			fprintf(stderr, "no seed corpus fuzz/corpus/%s\n",
				FUZZ_NAME);
			failed = 1;
		}
	}
	printf("test_fuzz_%s: %d inputs replayed\n", FUZZ_NAME, count);
	return failed || count == 0;
}
