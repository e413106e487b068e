/* The on-disk layout of snig's binary format (.snb), shared by the writer,
 * the loaders and `snig info`.  docs/FORMAT.md is the reference; the numbers
 * here must agree with it.
 *
 * Every field is written in the byte order of the machine that wrote the
 * file; the byte-order mark lets a reader of the other order refuse it. */
#ifndef SNIG_SNB_LAYOUT_H
#define SNIG_SNB_LAYOUT_H

#include "../core/internal.h"

#define SNB_MAGIC "SNIGBIN"          /* 8 bytes with the final NUL */
#define SNB_VERSION 2u                /* written; 1 and 2 are read */
#define SNB_BOM 0x01020304u
#define SNB_BOM_SWAPPED 0x04030201u
#define SNB_KIND_NETWORK 1u
#define SNB_KIND_INPUTS 2u

#define SNB_HEADER_SIZE 128u
#define SNB_ENTRY_SIZE 64u            /* version 2 */
#define SNB_ENTRY_SIZE_V1 48u
#define SNB_SPAN_ALIGN 64u            /* each span starts at a multiple */
#define SNB_ARRAY_ALIGN 8u            /* each array inside a span */
#define SNB_CHUNK_ROWS 4096u          /* input rows per chunk (writer default) */

/* Entry flags. */
#define SNB_FLAG_VALUES 0x1u          /* the span holds a value array */
#define SNB_BIAS_SHIFT 1
#define SNB_BIAS_MASK 0x6u
#define SNB_BIAS_NONE 0u
#define SNB_BIAS_ONE 1u
#define SNB_BIAS_PER_NEURON 2u
#define SNB_FLAGS_KNOWN 0x7u

typedef struct snb_header {
    uint32_t version;
    uint32_t bom;
    uint32_t kind;
    uint32_t neurons;
    uint64_t count;          /* layers (network) or rows (inputs) */
    uint32_t index_bits;     /* 16 or 32 */
    uint32_t entries;        /* table entries: layers, or input chunks */
    uint64_t nonzeros;       /* over every entry */
    uint64_t chunk_rows;     /* inputs: rows per chunk (the last may be short) */
    uint64_t first_row;      /* inputs: global index of row 0 */
    uint32_t checksum;       /* CRC-32 of header + table, this field as 0 */
} snb_header;

typedef struct snb_entry {
    uint64_t nnz;
    uint64_t offset;         /* of the span, from the start of the file */
    uint64_t length;         /* bytes of the span */
    uint32_t flags;
    float uniform;           /* the value of every nonzero, no value array */
    float bias;              /* bias kind SNB_BIAS_ONE */
    uint32_t checksum;       /* CRC-32 of the span */
    /* Network layers (version 2; version 1 files: N, N, 0, 0, 32). */
    uint32_t n_in, n_out;
    uint8_t bias_rule;       /* snig_bias_rule */
    uint8_t activation;      /* snig_activation */
    float cap;               /* SNIG_ACT_RELU_CAP */
} snb_entry;

/* Where each array sits inside a span (byte offsets from its start). */
typedef struct snb_span_layout {
    uint64_t rowptr, col, val, bias; /* val/bias: 0 when absent */
    uint64_t length;
} snb_span_layout;

static inline uint32_t snb_bias_kind(uint32_t flags)
{
    return (flags & SNB_BIAS_MASK) >> SNB_BIAS_SHIFT;
}

static inline uint64_t snb_align(uint64_t x, uint64_t a)
{
    return (x + a - 1) / a * a;
}

/* Serialized forms (buffers of SNB_HEADER_SIZE / SNB_ENTRY_SIZE bytes). */
void snig__snb_header_encode(const snb_header *h, unsigned char *buf);
void snig__snb_header_decode(const unsigned char *buf, snb_header *h);
void snig__snb_entry_encode(const snb_entry *e, unsigned char *buf);
/* Decodes an entry of a file of `version` (1: 48 bytes, 2: 64); a version 1
 * network layer gets n_in = n_out = neurons and the challenge's rule. */
void snig__snb_entry_decode(const unsigned char *buf, uint32_t version,
                            uint32_t neurons, snb_entry *e);

/* Layout of a network layer span (rowptr uint32[n_in+1], columns, values,
 * bias float[n_out]) and of an input chunk span (rowptr uint64[rows+1],
 * columns, values).  Returns 0 when the sizes overflow. */
int snig__snb_layer_layout(uint32_t n_in, uint32_t n_out, uint32_t index_bits,
                           uint64_t nnz, uint32_t flags, snb_span_layout *s);
int snig__snb_chunk_layout(uint64_t rows, uint32_t index_bits, uint64_t nnz,
                           uint32_t flags, snb_span_layout *s);

/* The header checksum over the encoded header and table (len bytes, the
 * checksum field read as zero). */
uint32_t snig__snb_header_checksum(snig_ctx *ctx, const unsigned char *buf,
                                   size_t len, int *nomem);

/* A binary file opened and checked: header, table, every span's place and
 * size.  Spans are read with pread into memory the caller owns, never
 * mapped: a file truncated or rewritten later gives an error, not a
 * signal.  The spans' checksums are not checked here. */
typedef struct snb_file {
    const char *path;
    int fd;
    uint64_t size;
    snb_header h;
    snb_entry *e;            /* h.entries, owned */
} snb_file;

/* "layer" or "chunk", for messages. */
static inline const char *snb_entry_name(const snb_file *f)
{
    return f->h.kind == SNB_KIND_INPUTS ? "chunk" : "layer";
}

/* Rows of input chunk k. */
static inline uint64_t snb_chunk_rows(const snb_header *h, uint64_t k)
{
    uint64_t first = k * h->chunk_rows;
    uint64_t left = h->count - first;
    return left < h->chunk_rows ? left : h->chunk_rows;
}

/* Opens and checks `path`; SNIG_CORRUPT (and the others: SNIG_IO ...) with a
 * message naming the file.  want_kind 0 accepts both kinds. */
snig_status snig__snb_open(snig_ctx *ctx, const char *path, uint32_t want_kind,
                           snb_file *f);
void snig__snb_close(snig_ctx *ctx, snb_file *f);

/* Reads entry k's span (e[k].length bytes) into buf.  A short read (the file
 * shrank since it was opened) is SNIG_CORRUPT naming the layer or chunk. */
snig_status snig__snb_read_span(snig_ctx *ctx, const snb_file *f, uint32_t k,
                                void *buf);

/* Sets network layer k's shape, rule, uniform weight and bias from its
 * table entry alone (nothing read: lazy loading describes layers so). */
void snig__snb_layer_describe(const snb_file *f, uint32_t k, snig_layer *L);
/* snig__snb_layer_describe, then points L's arrays into the span of layer
 * k (as read into `span`). */
void snig__snb_layer_view(const snb_file *f, uint32_t k,
                          const unsigned char *span, snig_layer *L);

/* Checks entry k's span as read into `span`: its checksum (when check_crc)
 * and its structure (snig__layer_check for layers: row offsets, columns <
 * n_out, finite values and biases; the same for input chunks).  Returns
 * SNIG_OK or SNIG_CORRUPT / SNIG_RANGE / SNIG_FORMAT with a message naming
 * the file and the layer or chunk. */
snig_status snig__snb_check_span(snig_ctx *ctx, const snb_file *f, uint32_t k,
                                 const unsigned char *span, int check_crc);

/* Reads and checks entry k into a fresh buffer from ctx (freed with
 * snig__free); *span NULL on failure. */
snig_status snig__snb_load_span(snig_ctx *ctx, const snb_file *f, uint32_t k,
                                int check_crc, unsigned char **span);

#endif
