/* See fuzz_snb.h.  Works on the bytes with the offsets of docs/FORMAT.md
 * (header, table of 48-byte entries in version 1 and 64-byte entries from
 * version 2), so it keeps working while the library's private layout code
 * changes; the checksums are zlib's CRC-32, as the format says. */
#include "fuzz_snb.h"

#include <string.h>
#include <zlib.h>

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                               unsigned int seed);

enum {
    HEADER_SIZE = 128, H_VERSION = 8, H_ENTRIES = 36, H_CHECKSUM = 124,
    E_OFFSET = 8, E_LENGTH = 16, E_CHECKSUM = 36
};

static uint32_t get32(const uint8_t *b) { uint32_t v; memcpy(&v, b, 4); return v; }
static uint64_t get64(const uint8_t *b) { uint64_t v; memcpy(&v, b, 8); return v; }
static void put32(uint8_t *b, uint32_t v) { memcpy(b, &v, 4); }

static uint32_t crc(const uint8_t *p, uint64_t len)
{
    uLong c = crc32(0L, Z_NULL, 0);
    while (len > 0) {
        uInt part = len > (1u << 30) ? (1u << 30) : (uInt)len;
        c = crc32(c, p, part);
        p += part;
        len -= part;
    }
    return (uint32_t)c;
}

void fuzz_snb_fix(uint8_t *data, size_t size)
{
    if (size < HEADER_SIZE || memcmp(data, "SNIGBIN", 8) != 0)
        return;
    uint64_t entry_size = get32(data + H_VERSION) >= 2 ? 64 : 48;
    uint64_t fit = (size - HEADER_SIZE) / entry_size;
    uint64_t entries = get32(data + H_ENTRIES);
    if (entries > fit)
        entries = fit;
    for (uint64_t k = 0; k < entries; k++) {
        uint8_t *e = data + HEADER_SIZE + k * entry_size;
        uint64_t offset = get64(e + E_OFFSET), length = get64(e + E_LENGTH);
        if (offset <= size && length <= size - offset)
            put32(e + E_CHECKSUM, crc(data + offset, length));
    }
    /* The header checksum covers header and table, its own field as 0.
     * When the table does not fit, the reader refuses before checking. */
    put32(data + H_CHECKSUM, 0);
    put32(data + H_CHECKSUM,
          crc(data, HEADER_SIZE + entries * entry_size));
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                               unsigned int seed)
{
    (void)seed;
    size = LLVMFuzzerMutate(data, size, max_size);
    fuzz_snb_fix(data, size);
    return size;
}
