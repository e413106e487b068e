#include "checksum.h"

#include <zlib.h>

uint32_t snig__checksum(const void *data, size_t len)
{
    /* zlib takes uInt lengths: feed large spans in pieces. */
    const unsigned char *p = data;
    uLong crc = crc32(0L, Z_NULL, 0);
    while (len > 0) {
        uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;
        crc = crc32(crc, p, n);
        p += n;
        len -= n;
    }
    return (uint32_t)crc;
}
