// _PNGShim: the only place that calls libpng's low-level API. libpng reports errors with
// setjmp/longjmp; every such jump starts and ends inside png_shim.c, so no jump ever crosses a
// Swift frame. Swift sees plain functions that return 0 on success or -1 with a message.
// Internal target (underscored): not public API of the project.
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A malloc'ed byte buffer owned by the caller after a successful call; free with
/// ntk_png_buffer_free.
typedef struct {
    unsigned char *data;
    size_t size;
    size_t capacity;
} ntk_png_buffer;

/// Encodes 8-bit pixels (`channels` = 3 for RGB, 4 for RGBA; rows top to bottom, tightly
/// packed) into PNG bytes in memory. `keys`/`values` are `text_count` NUL-terminated UTF-8
/// strings written, in the given order, as tEXt chunks (iTXt when a value is not plain ASCII).
/// No tIME chunk is written, so equal inputs give equal bytes. `compression_level` is zlib's 0–9.
/// Returns 0 on success, -1 on failure with a message in `err` (at most `err_len` bytes).
int ntk_png_encode(const unsigned char *pixels, uint32_t width, uint32_t height, int channels,
                   const char *const *keys, const char *const *values, int text_count,
                   int compression_level, ntk_png_buffer *out, char *err, size_t err_len);

void ntk_png_buffer_free(ntk_png_buffer *buffer);

/// A decoded image: 8-bit RGBA rows top to bottom, plus its text chunks (tEXt, zTXt, iTXt).
typedef struct {
    uint32_t width;
    uint32_t height;
    unsigned char *rgba;          // width * height * 4 bytes
    int text_count;
    char **text_keys;
    char **text_values;
    int bit_depth;                // as stored in the file
    int color_type;               // as stored in the file (PNG_COLOR_TYPE_*)
} ntk_png_decoded;

/// Decodes PNG bytes (any colour type / bit depth libpng handles) into 8-bit RGBA.
/// Returns 0 on success, -1 on failure with a message in `err`. On success free with
/// ntk_png_decoded_free.
int ntk_png_decode(const unsigned char *data, size_t size, ntk_png_decoded *out,
                   char *err, size_t err_len);

void ntk_png_decoded_free(ntk_png_decoded *image);

#ifdef __cplusplus
}
#endif
