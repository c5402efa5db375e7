/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <curl/curl.h>
#include "transfer.h"
#include "shared/fileio.h"
#include "shared/log.h"
#include "shared/macro.h"

struct body {
        char *data;
        size_t size, max;
        bool too_large;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
        struct body *b = userdata;
        size_t n = size * nmemb;
        char *d;

        if (b->size + n > b->max) {
                b->too_large = true;
                return 0;               /* aborts the transfer */
        }
        d = realloc(b->data, b->size + n + 1);
        if (!d)
                return 0;
        b->data = d;
        memcpy(b->data + b->size, ptr, n);
        b->size += n;
        return n;
}

void transfer_files_free(struct transfer_file *f, size_t n)
{
        for (size_t i = 0; f && i < n; i++) {
                free(f[i].origin);
                free(f[i].data);
        }
        free(f);
}

static void curlp(CURL **c)
{
        if (*c)
                curl_easy_cleanup(*c);
}

static CURL *curl_new(const char *url, const struct transfer_options *o, char *errbuf)
{
        CURL *c = curl_easy_init();

        if (!c)
                return NULL;
        errbuf[0] = 0;
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long) o->timeout_ms);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long) MIN(o->timeout_ms, (uint64_t) 10000));
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "cwatch-sync/" CWATCH_VERSION);
        return c;
}

/* The error of a finished transfer, or 0 when it got a 2xx answer. */
static int curl_outcome(CURL *c, CURLcode cr, const char *errbuf, const struct transfer_options *o, bool too_large,
                        char error[TRANSFER_ERROR_MAX])
{
        long status = 0;

        if (too_large) {
                snprintf(error, TRANSFER_ERROR_MAX, "more than %zu bytes, refused", o->max_size);
                return -EFBIG;
        }
        if (cr == CURLE_OPERATION_TIMEDOUT) {
                snprintf(error, TRANSFER_ERROR_MAX, "timed out after %.1f s (Timeout=): %s",
                         o->timeout_ms / 1000.0, errbuf[0] ? errbuf : curl_easy_strerror(cr));
                return -ETIMEDOUT;
        }
        if (cr != CURLE_OK) {
                snprintf(error, TRANSFER_ERROR_MAX, "%s", errbuf[0] ? errbuf : curl_easy_strerror(cr));
                return cr == CURLE_COULDNT_RESOLVE_HOST ? -EHOSTUNREACH
                     : cr == CURLE_COULDNT_CONNECT ? -ECONNREFUSED : -EIO;
        }
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (status < 200 || status > 299) {
                snprintf(error, TRANSFER_ERROR_MAX, "HTTP %ld", status);
                return -EPROTO;
        }
        return 0;
}

static int fetch_http(const char *url, const struct transfer_options *o, struct transfer_file *f,
                      char error[TRANSFER_ERROR_MAX])
{
        char errbuf[CURL_ERROR_SIZE];
        _cleanup_(curlp) CURL *c = curl_new(url, o, errbuf);
        struct body b = { .max = o->max_size };
        CURLcode cr;
        int r;

        if (!c)
                return -ENOMEM;
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        cr = curl_easy_perform(c);
        r = curl_outcome(c, cr, errbuf, o, b.too_large, error);
        if (r < 0) {
                free(b.data);
                return r;
        }
        f->data = b.data ?: malloc(1);
        f->size = b.size;
        f->origin = strdup(url);
        return f->data && f->origin ? 0 : -ENOMEM;
}

static int read_one(const char *path, const struct transfer_options *o, struct transfer_file *f,
                    char error[TRANSFER_ERROR_MAX])
{
        char *data = NULL;
        int r = read_file_at(AT_FDCWD, path, o->max_size, &data, &f->size);

        f->data = data;

        if (r < 0) {
                snprintf(error, TRANSFER_ERROR_MAX, "%s: %s", path,
                         r == -EFBIG ? "larger than the limit, refused" : strerror(-r));
                return r;
        }
        if (asprintf(&f->origin, "file://%s", path) < 0) {
                f->origin = NULL;
                return -ENOMEM;
        }
        return 0;
}

static int is_snapshot_name(const struct dirent *de)
{
        size_t l = strlen(de->d_name);

        return de->d_name[0] != '.' && l > 9 && streq(de->d_name + l - 9, ".snapshot");
}

static int fetch_file(const char *path, const struct transfer_options *o, struct transfer_file **ret, size_t *ret_n,
                      char error[TRANSFER_ERROR_MAX])
{
        struct transfer_file *files;
        struct dirent **names = NULL;
        struct stat st;
        int n, r = 0;
        size_t k = 0;

        if (stat(path, &st) < 0) {
                snprintf(error, TRANSFER_ERROR_MAX, "%s: %s", path, strerror(errno));
                return -errno;
        }
        if (!S_ISDIR(st.st_mode)) {
                files = calloc(1, sizeof(*files));
                if (!files)
                        return -ENOMEM;
                r = read_one(path, o, files, error);
                if (r < 0) {
                        transfer_files_free(files, 1);
                        return r;
                }
                *ret = files;
                *ret_n = 1;
                return 0;
        }
        n = scandir(path, &names, is_snapshot_name, alphasort);
        if (n < 0) {
                snprintf(error, TRANSFER_ERROR_MAX, "%s: %s", path, strerror(errno));
                return -errno;
        }
        files = calloc(n ?: 1, sizeof(*files));
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *p = NULL;

                if (!files || r < 0 || asprintf(&p, "%s/%s", path, names[i]->d_name) < 0) {
                        p = NULL;
                        r = -ENOMEM;
                } else if (read_one(p, o, &files[k], error) >= 0)
                        k++;
                else
                        log_warning("%s, skipping it", error);
                free(names[i]);
        }
        free(names);
        if (r < 0 || !files) {
                transfer_files_free(files, k);
                return -ENOMEM;
        }
        *ret = files;
        *ret_n = k;
        return 0;
}

int transfer_fetch(const char *url, const struct transfer_options *o, struct transfer_file **ret, size_t *ret_n,
                   char error[TRANSFER_ERROR_MAX])
{
        struct transfer_file *f;
        int r;

        error[0] = 0;
        if (strneq(url, "file://", 7))
                return fetch_file(url + 7, o, ret, ret_n, error);
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        r = fetch_http(url, o, f, error);
        if (r < 0) {
                transfer_files_free(f, 1);
                return r;
        }
        *ret = f;
        *ret_n = 1;
        return 0;
}

struct upload {
        const char *data;
        size_t size, pos;
};

static size_t on_read(char *buf, size_t size, size_t nitems, void *userdata)
{
        struct upload *u = userdata;
        size_t n = MIN(size * nitems, u->size - u->pos);

        memcpy(buf, u->data + u->pos, n);
        u->pos += n;
        return n;
}

static size_t discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
        return size * nmemb;
}

int transfer_publish(const char *url, const char *name, const void *data, size_t size, const struct transfer_options *o,
                     char error[TRANSFER_ERROR_MAX])
{
        _cleanup_free_ char *target = NULL;
        bool dir = url[strlen(url) - 1] == '/';
        int r;

        error[0] = 0;
        if (strneq(url, "file://", 7)) {
                if (asprintf(&target, "%s/%s", url + 7, name) < 0)
                        return -ENOMEM;
                r = write_file_atomic(target, data, size, 0644);
                if (r < 0)
                        snprintf(error, TRANSFER_ERROR_MAX, "%s: %s", target, strerror(-r));
                return r;
        }
        if (asprintf(&target, "%s%s", url, dir ? name : "") < 0)
                return -ENOMEM;
        char errbuf[CURL_ERROR_SIZE];
        _cleanup_(curlp) CURL *c = curl_new(target, o, errbuf);
        struct upload u = { data, size, 0 };
        CURLcode cr;

        if (!c)
                return -ENOMEM;
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, &u);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t) size);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        cr = curl_easy_perform(c);
        return curl_outcome(c, cr, errbuf, o, false, error);
}
