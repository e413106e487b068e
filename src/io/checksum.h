/* The per-layer checksum of the binary format (docs/FORMAT.md). */
#ifndef SNIG_CHECKSUM_H
#define SNIG_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32 (zlib's), over len bytes. */
uint32_t snig__checksum(const void *data, size_t len);

#endif
