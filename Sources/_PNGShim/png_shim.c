// See include/_PNGShim.h. Every setjmp is paired with its longjmp inside this file.
#include "_PNGShim.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *msg;
    size_t len;
} shim_error;

static void shim_error_fn(png_structp png, png_const_charp message) {
    shim_error *e = (shim_error *)png_get_error_ptr(png);
    if (e != NULL && e->msg != NULL && e->len > 0) {
        snprintf(e->msg, e->len, "libpng: %s", message ? message : "unknown error");
    }
    png_longjmp(png, 1);
}

static void shim_warning_fn(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;  // warnings are not errors; the caller checks the output.
}

static void set_err(char *err, size_t err_len, const char *message) {
    if (err != NULL && err_len > 0) snprintf(err, err_len, "%s", message);
}

// ---------------------------------------------------------------------------------------------
// Encoding into a growable memory buffer.

static void buffer_write_fn(png_structp png, png_bytep data, png_size_t length) {
    ntk_png_buffer *b = (ntk_png_buffer *)png_get_io_ptr(png);
    if (b->size + length > b->capacity) {
        size_t cap = b->capacity ? b->capacity : 65536;
        while (cap < b->size + length) cap *= 2;
        unsigned char *p = (unsigned char *)realloc(b->data, cap);
        if (p == NULL) png_error(png, "out of memory growing the output buffer");
        b->data = p;
        b->capacity = cap;
    }
    memcpy(b->data + b->size, data, length);
    b->size += length;
}

static void buffer_flush_fn(png_structp png) { (void)png; }

static int is_ascii(const char *s) {
    for (; *s; ++s)
        if ((unsigned char)*s >= 0x80) return 0;
    return 1;
}

int ntk_png_encode(const unsigned char *pixels, uint32_t width, uint32_t height, int channels,
                   const char *const *keys, const char *const *values, int text_count,
                   int compression_level, ntk_png_buffer *out, char *err, size_t err_len) {
    if (out == NULL || pixels == NULL) {
        set_err(err, err_len, "null argument");
        return -1;
    }
    out->data = NULL;
    out->size = 0;
    out->capacity = 0;
    if (width == 0 || height == 0 || (channels != 3 && channels != 4)) {
        set_err(err, err_len, "invalid image dimensions or channel count");
        return -1;
    }
    shim_error e = {err, err_len};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &e, shim_error_fn,
                                              shim_warning_fn);
    if (png == NULL) {
        set_err(err, err_len, "png_create_write_struct failed");
        return -1;
    }
    png_infop info = png_create_info_struct(png);
    // Allocated before setjmp and only freed after it: no volatile locals are needed.
    png_textp text = NULL;
    png_bytep *rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (text_count > 0) text = (png_textp)calloc((size_t)text_count, sizeof(png_text));
    if (info == NULL || rows == NULL || (text_count > 0 && text == NULL)) {
        png_destroy_write_struct(&png, info ? &info : NULL);
        free(rows);
        free(text);
        set_err(err, err_len, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(rows);
        free(text);
        free(out->data);
        out->data = NULL;
        out->size = out->capacity = 0;
        return -1;
    }
    png_set_write_fn(png, out, buffer_write_fn, buffer_flush_fn);
    png_set_compression_level(png, compression_level);
    png_set_IHDR(png, info, width, height, 8,
                 channels == 4 ? PNG_COLOR_TYPE_RGBA : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    for (int i = 0; i < text_count; ++i) {
        text[i].key = (png_charp)keys[i];
        text[i].text = (png_charp)values[i];
        text[i].text_length = strlen(values[i]);
        if (is_ascii(values[i])) {
            text[i].compression = PNG_TEXT_COMPRESSION_NONE;
        } else {
            text[i].compression = PNG_ITXT_COMPRESSION_NONE;  // UTF-8 needs iTXt
            text[i].itxt_length = strlen(values[i]);
            text[i].text_length = 0;
            text[i].lang = NULL;
            text[i].lang_key = NULL;
        }
    }
    if (text_count > 0) png_set_text(png, info, text, text_count);
    png_write_info(png, info);
    size_t stride = (size_t)width * (size_t)channels;
    for (uint32_t y = 0; y < height; ++y) rows[y] = (png_bytep)(pixels + (size_t)y * stride);
    png_write_image(png, rows);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(rows);
    free(text);
    return 0;
}

void ntk_png_buffer_free(ntk_png_buffer *buffer) {
    if (buffer == NULL) return;
    free(buffer->data);
    buffer->data = NULL;
    buffer->size = buffer->capacity = 0;
}

// ---------------------------------------------------------------------------------------------
// Decoding from memory.

typedef struct {
    const unsigned char *data;
    size_t size;
    size_t offset;
} read_cursor;

static void cursor_read_fn(png_structp png, png_bytep out, png_size_t length) {
    read_cursor *c = (read_cursor *)png_get_io_ptr(png);
    if (c->offset + length > c->size) png_error(png, "unexpected end of PNG data");
    memcpy(out, c->data + c->offset, length);
    c->offset += length;
}

static char *dup_string(const char *s, size_t n) {
    char *r = (char *)malloc(n + 1);
    if (r == NULL) return NULL;
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

void ntk_png_decoded_free(ntk_png_decoded *image) {
    if (image == NULL) return;
    free(image->rgba);
    for (int i = 0; i < image->text_count; ++i) {
        if (image->text_keys) free(image->text_keys[i]);
        if (image->text_values) free(image->text_values[i]);
    }
    free(image->text_keys);
    free(image->text_values);
    memset(image, 0, sizeof(*image));
}

int ntk_png_decode(const unsigned char *data, size_t size, ntk_png_decoded *out, char *err,
                   size_t err_len) {
    if (out == NULL || data == NULL) {
        set_err(err, err_len, "null argument");
        return -1;
    }
    memset(out, 0, sizeof(*out));
    if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        set_err(err, err_len, "not a PNG file (bad signature)");
        return -1;
    }
    shim_error e = {err, err_len};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &e, shim_error_fn,
                                             shim_warning_fn);
    if (png == NULL) {
        set_err(err, err_len, "png_create_read_struct failed");
        return -1;
    }
    png_infop info = png_create_info_struct(png);
    png_infop end_info = png_create_info_struct(png);
    if (info == NULL || end_info == NULL) {
        png_destroy_read_struct(&png, info ? &info : NULL, end_info ? &end_info : NULL);
        set_err(err, err_len, "out of memory");
        return -1;
    }
    read_cursor cursor = {data, size, 0};
    // `rows` is assigned after setjmp, so it must be volatile to be valid after a longjmp.
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, &end_info);
        free((void *)rows);
        ntk_png_decoded_free(out);
        return -1;
    }
    png_set_read_fn(png, &cursor, cursor_read_fn);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info);
    png_uint_32 h = png_get_image_height(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    int color_type = png_get_color_type(png, info);
    out->bit_depth = bit_depth;
    out->color_type = color_type;
    // Normalise everything to 8-bit RGBA.
    if (bit_depth == 16) png_set_strip_16(png);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA)
        png_set_gray_to_rgb(png);
    if (!(color_type & PNG_COLOR_MASK_ALPHA) && !png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_filler(png, 0xFF, PNG_FILLER_AFTER);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)w * 4) png_error(png, "unexpected row size");
    out->width = w;
    out->height = h;
    out->rgba = (unsigned char *)malloc((size_t)w * h * 4);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * h);
    if (out->rgba == NULL || rows == NULL) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < h; ++y) rows[y] = out->rgba + (size_t)y * w * 4;
    png_read_image(png, rows);
    png_read_end(png, end_info);
    // Text chunks may sit before or after the image data.
    png_infop infos[2] = {info, end_info};
    int total = 0;
    for (int k = 0; k < 2; ++k) {
        png_textp t = NULL;
        int n = 0;
        png_get_text(png, infos[k], &t, &n);
        total += n;
    }
    if (total > 0) {
        out->text_keys = (char **)calloc((size_t)total, sizeof(char *));
        out->text_values = (char **)calloc((size_t)total, sizeof(char *));
        if (out->text_keys == NULL || out->text_values == NULL) png_error(png, "out of memory");
        for (int k = 0; k < 2; ++k) {
            png_textp t = NULL;
            int n = 0;
            png_get_text(png, infos[k], &t, &n);
            for (int i = 0; i < n; ++i) {
                size_t len = t[i].compression > 0 ? t[i].itxt_length : t[i].text_length;
                char *key = dup_string(t[i].key, strlen(t[i].key));
                char *val = dup_string(t[i].text ? t[i].text : "", t[i].text ? len : 0);
                if (key == NULL || val == NULL) {
                    free(key);
                    free(val);
                    png_error(png, "out of memory");
                }
                out->text_keys[out->text_count] = key;
                out->text_values[out->text_count] = val;
                out->text_count += 1;
            }
        }
    }
    png_destroy_read_struct(&png, &info, &end_info);
    free((void *)rows);
    return 0;
}
