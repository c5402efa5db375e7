/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "metadata.h"
#include "shared/macro.h"

static void json_object_putp(struct json_object **o)
{
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_object_putp)

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

/* Copies the string at o (NULL or not a string: nothing); returns whether it did. */
static bool copy_json_string(struct json_object *o, char *out, size_t size)
{
        const char *s;

        if (!o || !json_object_is_type(o, json_type_string) || size == 0)
                return false;
        s = json_object_get_string(o);
        snprintf(out, size, "%s", s);
        return true;
}

static struct json_object *json_get(struct json_object *o, const char *key)
{
        struct json_object *v = NULL;

        if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
                return NULL;
        return v;
}

/* Reads a JSON file; -ENOENT when it is missing, -EBADMSG when it does not parse. */
static int read_json_file(const char *path, struct json_object **ret)
{
        struct json_object *o;

        if (access(path, R_OK) < 0)
                return -errno;
        o = json_object_from_file(path);
        if (!o)
                return -EBADMSG;
        *ret = o;
        return 0;
}

int docker_read_container(const char *root, const char *id, char *name, size_t name_size,
                          char *image, size_t image_size)
{
        _cleanup_json_ struct json_object *o = NULL;
        char path[4096];
        int r;

        name[0] = image[0] = 0;
        if (strchr(id, '/') || snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", root, id) >=
            (int) sizeof(path))
                return -EINVAL;
        r = read_json_file(path, &o);
        if (r < 0)
                return r;
        if (!json_object_is_type(o, json_type_object))
                return -EBADMSG;
        if (copy_json_string(json_get(o, "Name"), name, name_size) && name[0] == '/')
                memmove(name, name + 1, strlen(name));
        copy_json_string(json_get(json_get(o, "Config"), "Image"), image, image_size);
        return name[0] ? 0 : -EBADMSG;
}

int podman_read_container(const char *root, const char *id, char *name, size_t name_size,
                          char *image, size_t image_size)
{
        _cleanup_json_ struct json_object *o = NULL;
        char path[4096];
        size_t n;
        int r;

        name[0] = image[0] = 0;
        if (snprintf(path, sizeof(path), "%s/storage/overlay-containers/containers.json", root) >=
            (int) sizeof(path))
                return -EINVAL;
        r = read_json_file(path, &o);
        if (r < 0)
                return r;
        if (!json_object_is_type(o, json_type_array))
                return -EBADMSG;
        n = json_object_array_length(o);
        for (size_t i = 0; i < n; i++) {
                struct json_object *c = json_object_array_get_idx(o, i), *names, *meta;
                const char *cid;

                if (!json_object_is_type(json_get(c, "id"), json_type_string))
                        continue;
                cid = json_object_get_string(json_get(c, "id"));
                if (!streq(cid, id))
                        continue;
                names = json_get(c, "names");
                if (names && json_object_is_type(names, json_type_array) && json_object_array_length(names) > 0)
                        copy_json_string(json_object_array_get_idx(names, 0), name, name_size);
                /* "metadata" is JSON in a string: {"image-name":"docker.io/library/alpine:latest",...} */
                meta = json_get(c, "metadata");
                if (meta && json_object_is_type(meta, json_type_string)) {
                        _cleanup_json_ struct json_object *m = json_tokener_parse(json_object_get_string(meta));

                        if (!copy_json_string(json_get(m, "image-name"), image, image_size))
                                copy_json_string(json_get(c, "image"), image, image_size);
                } else
                        copy_json_string(json_get(c, "image"), image, image_size);
                return name[0] ? 0 : -EBADMSG;
        }
        return -ENOENT;
}

int pods_read_pod(const char *root, const char *uid, char *name, size_t name_size,
                  char *namespace, size_t namespace_size)
{
        _cleanup_(closedirp) DIR *d = opendir(root);
        size_t uid_len = strlen(uid);
        struct dirent *de;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                /* <namespace>_<pod>_<uid>: namespaces and pod names cannot contain "_" */
                const char *s = de->d_name, *a = strchr(s, '_'), *b = a ? strchr(a + 1, '_') : NULL;

                if (!b || strlen(b + 1) != uid_len || !streq(b + 1, uid) || a == s || b == a + 1)
                        continue;
                snprintf(namespace, namespace_size, "%.*s", (int) (a - s), s);
                snprintf(name, name_size, "%.*s", (int) (b - a - 1), a + 1);
                return 0;
        }
        return -ENOENT;
}
