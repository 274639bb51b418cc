// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_encoders: compression ratio and speed of every encoder on recorded
 * screen content.
 *
 *   bench_encoders [-r RUNS] [-f 32|16|8] [-q Q] [-c LEVEL] [-e NAME]
 *                  FILE.ppm...
 *
 * Each PPM (P6, maxval 255) is one kind of content, named after its file
 * (text.ppm -> "text").  Every encoding enc_find() knows encodes the whole
 * picture as one rectangle in the chosen client format (32: 32 bpp
 * little-endian rgb888, 16: rgb565, 8: bgr233) with a fresh encoder state,
 * RUNS times (default 5); the table gives raw bytes / encoded bytes and
 * the median speed in megapixels per second.  Encoders that take a quality
 * level (Tight's JPEG, ZYWRLE) get a second row at quality Q (default 5).
 * LEVEL is the compression level asked for (default: each encoder's
 * own); -e NAME benches only that encoding (e.g. under callgrind).
 * Exit 1 if an encoder fails.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "encode/encoder.h"
#include "rfb/pixfmt.h"
#include "util/buf.h"

#define MAX_IMAGES 16
#define MAX_RUNS 101
#define MAX_ROWS 32

struct image {
	char name[32];
	struct rfb_fb fb;
};

/* One row of the table: an encoder at a quality level. */
struct row {
	const struct enc_ops *ops;
	int quality;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int ppm_number(FILE *fp)
{
	int c, v = 0, digits = 0;

	while ((c = getc(fp)) != EOF) {
		if (c == '#') {
			while ((c = getc(fp)) != EOF && c != '\n')
				;
		} else if (c >= '0' && c <= '9') {
			v = v * 10 + c - '0';
			digits++;
		} else if (digits) {
			return v;
		}
	}
	return digits ? v : -1;
}

static bool load_ppm(const char *path, struct image *img)
{
	FILE *fp = fopen(path, "rb");
	const char *base = strrchr(path, '/');
	int w, h, max;
	uint8_t *rgb;

	if (!fp) {
		fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
		return false;
	}
	if (getc(fp) != 'P' || getc(fp) != '6' ||
	    (w = ppm_number(fp)) <= 0 || (h = ppm_number(fp)) <= 0 ||
	    (max = ppm_number(fp)) != 255 || w > 16384 || h > 16384) {
		fprintf(stderr, "bench: %s: not a P6 PPM with maxval 255\n",
			path);
		fclose(fp);
		return false;
	}
	rgb = malloc((size_t)w * h * 3);
	img->fb.pixels = malloc((size_t)w * h * 4);
	if (!rgb || !img->fb.pixels ||
	    fread(rgb, 3, (size_t)w * h, fp) != (size_t)w * h) {
		fprintf(stderr, "bench: %s: short or out of memory\n", path);
		exit(1);
	}
	fclose(fp);
	for (size_t i = 0; i < (size_t)w * h; i++)
		img->fb.pixels[i] = (uint32_t)rgb[3 * i] << 16 |
				    rgb[3 * i + 1] << 8 | rgb[3 * i + 2];
	free(rgb);
	img->fb.width = img->fb.stride = w;
	img->fb.height = h;
	base = base ? base + 1 : path;
	snprintf(img->name, sizeof(img->name), "%.*s",
		 (int)strcspn(base, "."), base);
	return true;
}

static const struct rfb_pixfmt *client_format(int bpp)
{
	static const struct rfb_pixfmt f32 = { 32, 24, false, true, 255, 255,
					       255, 16, 8, 0 };
	static const struct rfb_pixfmt f16 = { 16, 16, false, true, 31, 63,
					       31, 11, 5, 0 };
	static const struct rfb_pixfmt f8 = { 8, 8, false, true, 7, 7, 3,
					      0, 3, 6 };

	return bpp == 16 ? &f16 : bpp == 8 ? &f8 : &f32;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Encode img RUNS times; *ratio and *mpps get the results.  false if the
 * encoder failed. */
static bool bench_one(const struct row *row, const struct image *img,
		      const struct rfb_pixconv *pc, int runs, int level,
		      double *ratio, double *mpps)
{
	struct enc_params p = { .fb = &img->fb, .pc = pc,
				.compress_level = level,
				.quality = row->quality };
	struct rfb_rect r = { 0, 0, img->fb.width, img->fb.height };
	double t[MAX_RUNS];
	size_t bytes = 0;
	struct buf out;

	buf_init(&out);
	for (int i = 0; i < runs; i++) {
		void *st = row->ops->state_new ? row->ops->state_new() : NULL;
		double t0;
		int n;

		if (row->ops->state_new && !st)
			return false;
		buf_clear(&out);
		t0 = now();
		n = row->ops->encode(st, &p, &r, &out);
		t[i] = now() - t0;
		if (row->ops->state_free)
			row->ops->state_free(st);
		if (n < 1 || out.failed) {
			buf_free(&out);
			return false;
		}
		bytes = out.len;
	}
	buf_free(&out);
	qsort(t, (size_t)runs, sizeof(t[0]), cmp_double);
	*ratio = (double)img->fb.width * img->fb.height * pc->bytes / bytes;
	*mpps = img->fb.width * img->fb.height / 1e6 / t[runs / 2];
	return true;
}

/* Every encoder enc_find knows among the standard encoding numbers (or
 * the one called `only`), with a lossy row for those that take a quality
 * level. */
static int table_rows(struct row *rows, int quality, const char *only)
{
	int n = 0;

	for (int32_t type = 0; type < 256 && n < MAX_ROWS - 1; type++) {
		const struct enc_ops *ops = enc_find(type);

		if (!ops || (only && strcmp(ops->name, only)))
			continue;
		rows[n++] = (struct row){ ops, -1 };
		if ((type == ENC_TIGHT || type == ENC_ZYWRLE) &&
		    n < MAX_ROWS)
			rows[n++] = (struct row){ ops, quality };
	}
	return n;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_encoders [-r RUNS] [-f 32|16|8] "
			"[-q QUALITY] [-c LEVEL] [-e NAME] FILE.ppm...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct image imgs[MAX_IMAGES];
	struct row rows[MAX_ROWS];
	struct rfb_pixconv pc;
	int runs = 5, bpp = 32, quality = 5, level = -1, nimg = 0, nrows, c;
	const char *only = NULL;
	bool ok = true;

	while ((c = getopt(argc, argv, "r:f:q:c:e:")) != -1) {
		switch (c) {
		case 'r': runs = atoi(optarg); break;
		case 'f': bpp = atoi(optarg); break;
		case 'q': quality = atoi(optarg); break;
		case 'c': level = atoi(optarg); break;
		case 'e': only = optarg; break;
		default: usage();
		}
	}
	if (runs < 1 || runs > MAX_RUNS || quality < 0 || quality > 9 ||
	    level < -1 || level > 9 ||
	    (bpp != 32 && bpp != 16 && bpp != 8) || optind == argc ||
	    argc - optind > MAX_IMAGES)
		usage();
	for (int i = optind; i < argc; i++)
		if (!load_ppm(argv[i], &imgs[nimg++]))
			return 1;
	rfb_pixconv_init(&pc, client_format(bpp));
	nrows = table_rows(rows, quality, only);
	if (!nrows)
		usage();

	printf("%d bpp client format, median of %d runs; each cell: "
	       "compression ratio (raw/encoded) and Mpixel/s\n", bpp, runs);
	printf("%-12s", "encoding");
	for (int i = 0; i < nimg; i++)
		printf(" %9s %4dx%-4d", imgs[i].name, imgs[i].fb.width,
		       imgs[i].fb.height);
	printf("\n");
	for (int k = 0; k < nrows; k++) {
		char label[32];

		snprintf(label, sizeof(label), "%s%s", rows[k].ops->name,
			 rows[k].quality < 0 ? "" : " q");
		if (rows[k].quality >= 0)
			snprintf(label + strlen(label),
				 sizeof(label) - strlen(label), "%d",
				 rows[k].quality);
		printf("%-12s", label);
		for (int i = 0; i < nimg; i++) {
			double ratio, mpps;

			if (!bench_one(&rows[k], &imgs[i], &pc, runs, level,
				       &ratio, &mpps)) {
				printf(" %19s", "FAILED");
				ok = false;
				continue;
			}
			printf(" %8.1fx %7.1f/s", ratio, mpps);
		}
		printf("\n");
		fflush(stdout);
	}
	return ok ? 0 : 1;
}
