/* Exact bilinear resizing; see resize.h for the convention. */
#include "resize.h"

/* Source index and weight for output coordinate d: u = num / den with
 * num = (2d + 1) in - out and den = 2 out; lo = floor(u), and the weight of
 * lo + 1 is frac(u) = w / den. */
static void axis(uint32_t d, uint32_t in, uint32_t out, uint32_t *lo,
                 uint32_t *hi, uint32_t *w)
{
    int64_t num = (int64_t)(2 * (int64_t)d + 1) * in - out;
    int64_t den = 2 * (int64_t)out;
    if (num < 0)
        num = 0;
    int64_t i = num / den;
    int64_t f = num - i * den;
    if (i >= (int64_t)in - 1) {
        i = in - 1;
        f = 0;
    }
    *lo = (uint32_t)i;
    *hi = (uint32_t)(i + 1 < (int64_t)in ? i + 1 : i);
    *w = (uint32_t)f;
}

void snig__resize_bilinear(const uint8_t *src, uint32_t sh, uint32_t sw,
                           uint32_t dh, uint32_t dw, uint32_t *dst,
                           uint32_t *denominator)
{
    uint32_t denx = 2 * dw, deny = 2 * dh;
    *denominator = denx * deny;
    for (uint32_t r = 0; r < dh; r++) {
        uint32_t y0, y1, wy;
        axis(r, sh, dh, &y0, &y1, &wy);
        const uint8_t *row0 = src + (uint64_t)y0 * sw;
        const uint8_t *row1 = src + (uint64_t)y1 * sw;
        for (uint32_t c = 0; c < dw; c++) {
            uint32_t x0, x1, wx;
            axis(c, sw, dw, &x0, &x1, &wx);
            /* At most 255 * 4 dw dh < 2^32 for sides <= 2048. */
            uint32_t top = (denx - wx) * row0[x0] + wx * row0[x1];
            uint32_t bot = (denx - wx) * row1[x0] + wx * row1[x1];
            dst[(uint64_t)r * dw + c] = (deny - wy) * top + wy * bot;
        }
    }
}
