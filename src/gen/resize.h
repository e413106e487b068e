/* Bilinear resizing of 8-bit images, in exact integer arithmetic so that the
 * result is the same on every machine.  Generator-internal.
 *
 * Convention: pixel centres (as OpenCV's INTER_LINEAR and PIL): output pixel
 * d of an axis of `out` pixels samples the source at
 *     u = (d + 0.5) * in / out - 0.5,
 * clamped to [0, in - 1]; the value is the linear blend of source pixels
 * floor(u) and floor(u) + 1 (the last pixel repeats at the border), first
 * along columns, then along rows. */
#ifndef SNIG_GEN_RESIZE_H
#define SNIG_GEN_RESIZE_H

#include <stdint.h>

#define SNIG_RESIZE_MAX_OUT 2048u

/* Resizes src (sh x sw, row-major) to dst (dh x dw).  Each dst value is a
 * numerator over *denominator (= 4 dw dh), so dst / *denominator is the
 * interpolated pixel on the source's 0..255 scale.  Source sides 1..4096,
 * output sides 1..SNIG_RESIZE_MAX_OUT (so 255 * denominator fits 32 bits). */
void snig__resize_bilinear(const uint8_t *src, uint32_t sh, uint32_t sw,
                           uint32_t dh, uint32_t dw, uint32_t *dst,
                           uint32_t *denominator);

#endif
