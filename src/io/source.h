/* A byte source over a file, plain or gzip-compressed (detected from its
 * first bytes, not its name).  zlib inflates on a second thread into a small
 * ring of blocks, so that inflating and parsing overlap; memory stays at a
 * few megabytes whatever the file size.  The readers (text_scan.h, tar.c)
 * read from it; nothing here knows about the text formats.  A gzip file
 * that expands beyond 128 times its size (plus 64 MiB) is refused as a
 * probable gzip bomb (SNIG_FORMAT). */
#ifndef SNIG_SOURCE_H
#define SNIG_SOURCE_H

#include "../core/internal.h"

typedef struct snig_src snig_src;

/* Opens path.  out: *src, closed with snig__src_close.  A missing or
 * unreadable file is SNIG_IO with a message naming it. */
snig_status snig__src_open(snig_ctx *ctx, const char *path, snig_src **src);

/* Reads up to n bytes into buf; *got is 0 only at the end of the data.  A
 * read error or a truncated or corrupt .gz is SNIG_IO / SNIG_FORMAT with a
 * message naming the file. */
snig_status snig__src_read(snig_src *src, void *buf, size_t n, size_t *got);

/* Reads up to n bytes (n <= 1024) that the following reads return again:
 * lets the dispatcher look at the start of the data to tell the format. */
snig_status snig__src_peek(snig_src *src, void *buf, size_t n, size_t *got);

/* Skips n bytes; SNIG_FORMAT "unexpected end of data" when fewer remain. */
snig_status snig__src_skip(snig_src *src, uint64_t n);

void snig__src_close(snig_src **src);

/* Bytes of the file read so far and its size (0 when unknown: a pipe), for
 * progress reports. */
void snig__src_progress(const snig_src *src, uint64_t *done, uint64_t *total);

#endif
