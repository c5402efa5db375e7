/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "trusted-hosts.h"
#include "host-key.h"
#include "shared/fileio.h"
#include "shared/ini-reader.h"
#include "shared/log.h"

int host_id_from_string(const char *s, uint8_t ret[SNAPSHOT_HOST_ID_SIZE])
{
        if (strlen(s) != 2 * SNAPSHOT_HOST_ID_SIZE)
                return -EINVAL;
        for (int i = 0; i < SNAPSHOT_HOST_ID_SIZE; i++) {
                unsigned v;
                char hex[3] = { s[2 * i], s[2 * i + 1], 0 };

                if (!strchr("0123456789abcdefABCDEF", hex[0]) || !strchr("0123456789abcdefABCDEF", hex[1]) ||
                    sscanf(hex, "%2x", &v) != 1)
                        return -EINVAL;
                ret[i] = (uint8_t) v;
        }
        return 0;
}

void host_id_to_string(const uint8_t id[SNAPSHOT_HOST_ID_SIZE], char ret[33])
{
        for (int i = 0; i < SNAPSHOT_HOST_ID_SIZE; i++)
                snprintf(ret + 2 * i, 3, "%02x", id[i]);
}

static int parse_error(char **ret_error, unsigned line, const char *text, const char *what)
{
        if ((line > 0 ? asprintf(ret_error, "line %u: %s%s", line, text, what ?: "")
                      : asprintf(ret_error, "%s", text)) < 0)
                *ret_error = NULL;
        return -EINVAL;
}

int trusted_host_parse(const char *name, const char *text, size_t len, struct trusted_host *ret, char **ret_error)
{
        struct trusted_host h = { .weight = 1.0 };
        struct ini_reader rd;
        struct ini_item it;
        bool in_host = false, have_id = false, have_key = false;
        int r = 0;

        *ret_error = NULL;
        ini_reader_init(&rd, text, len, 1024, 1024);
        while (r == 0 && (r = ini_reader_next(&rd, &it)) == 0 && it.kind != INI_END) {
                if (it.kind == INI_ERROR) {
                        r = parse_error(ret_error, it.line, "not a section or Key=value: ", NULL);
                        break;
                }
                if (it.kind == INI_SECTION) {
                        in_host = it.text_len == 4 && strneq(it.text, "Host", 4);
                        if (!in_host)
                                r = parse_error(ret_error, it.line, "unknown section (only [Host])", NULL);
                        continue;
                }
                if (!in_host) {
                        r = parse_error(ret_error, it.line, "assignment outside [Host]", NULL);
                        break;
                }
                _cleanup_free_ char *key = strndup(it.text, it.text_len);
                if (!key || (r = ini_reader_read_value(&rd, &it)) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (it.kind != INI_ASSIGNMENT) {
                        r = parse_error(ret_error, it.line, "bad line", NULL);
                        break;
                }
                if (streq(key, "HostId")) {
                        if (host_id_from_string(it.value, h.host_id) < 0)
                                r = parse_error(ret_error, it.line, "HostId= is not 32 hexadecimal digits: ",
                                                it.value);
                        have_id = true;
                } else if (streq(key, "PublicKey")) {
                        if (public_key_from_string(it.value, h.key) < 0)
                                r = parse_error(ret_error, it.line, "PublicKey= is not ed25519:BASE64 of 32 bytes: ",
                                                it.value);
                        have_key = true;
                } else if (streq(key, "Weight")) {
                        char *end;

                        errno = 0;
                        h.weight = strtod(it.value, &end);
                        if (errno || end == it.value || *end || !isfinite(h.weight) || h.weight <= 0 ||
                            h.weight > TRUSTED_HOST_MAX_WEIGHT)
                                r = parse_error(ret_error, it.line, "Weight= is not a number in (0, 1000]: ",
                                                it.value);
                } else
                        r = parse_error(ret_error, it.line, "unknown key ", key);
        }
        ini_reader_done(&rd);
        if (r == 0 && (!have_id || !have_key))
                r = parse_error(ret_error, 0, !have_id ? "no HostId=" : "no PublicKey=", NULL);
        if (r < 0)
                return r;
        h.name = strdup(name);
        if (!h.name)
                return -ENOMEM;
        *ret = h;
        return 0;
}

void trusted_hosts_done(struct trusted_hosts *t)
{
        for (size_t i = 0; i < t->n; i++)
                free(t->hosts[i].name);
        free(t->hosts);
        *t = (struct trusted_hosts) {};
}

const struct trusted_host *trusted_hosts_find_key(const struct trusted_hosts *t, const uint8_t key[SNAPSHOT_KEY_SIZE])
{
        for (size_t i = 0; i < t->n; i++)
                if (memcmp(t->hosts[i].key, key, SNAPSHOT_KEY_SIZE) == 0)
                        return &t->hosts[i];
        return NULL;
}

static bool already_known(const struct trusted_hosts *t, const struct trusted_host *h)
{
        for (size_t i = 0; i < t->n; i++)
                if (memcmp(t->hosts[i].key, h->key, SNAPSHOT_KEY_SIZE) == 0 ||
                    memcmp(t->hosts[i].host_id, h->host_id, SNAPSHOT_HOST_ID_SIZE) == 0)
                        return true;
        return false;
}

static int load_one(const char *dir, const char *file, struct trusted_hosts *t)
{
        _cleanup_free_ char *path = NULL, *name = strndup(file, strlen(file) - 4), *text = NULL, *error = NULL;
        struct trusted_host h;
        size_t size;
        int r;

        if (!name || asprintf(&path, "%s/%s", dir, file) < 0)
                return -ENOMEM;
        r = read_file_at(AT_FDCWD, path, 16384, &text, &size);
        if (r < 0)
                return log_warning_errno(r, "Trusted host %s: cannot read: %m, ignoring", path) == -ENOMEM ? r : 0;
        r = trusted_host_parse(name, text, size, &h, &error);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                log_warning("Trusted host %s: %s, ignoring", path, error ?: "bad file");
                return 0;
        }
        if (already_known(t, &h)) {
                log_warning("Trusted host %s: its key or host id is in another file already, ignoring", path);
                free(h.name);
                return 0;
        }
        if (t->n >= TRUSTED_HOSTS_MAX) {
                log_warning("Trusted host %s: more than %d hosts, ignoring", path, TRUSTED_HOSTS_MAX);
                free(h.name);
                return 0;
        }
        struct trusted_host *n = realloc(t->hosts, (t->n + 1) * sizeof(*n));
        if (!n) {
                free(h.name);
                return -ENOMEM;
        }
        t->hosts = n;
        t->hosts[t->n++] = h;
        return 0;
}

static int filter_pub(const struct dirent *de)
{
        size_t l = strlen(de->d_name);

        return de->d_name[0] != '.' && l > 4 && streq(de->d_name + l - 4, ".pub");
}

int trusted_hosts_load(const char *dir, struct trusted_hosts *ret)
{
        struct trusted_hosts t = {};
        struct dirent **names = NULL;
        int n, r = 0;

        n = scandir(dir, &names, filter_pub, alphasort);
        if (n < 0) {
                *ret = t;
                return errno == ENOENT ? 0 : -errno;
        }
        for (int i = 0; i < n; i++) {
                if (r == 0)
                        r = load_one(dir, names[i]->d_name, &t);
                free(names[i]);
        }
        free(names);
        if (r < 0) {
                trusted_hosts_done(&t);
                return r;
        }
        *ret = t;
        return 0;
}
