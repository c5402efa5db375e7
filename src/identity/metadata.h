/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Container names and images from the runtimes' own files (never their sockets). Each reader
 * fills what it finds and returns -ENOENT (nothing known), -EBADMSG (malformed file) or 0; the
 * caller falls back to the id. */
#pragma once

#include <stddef.h>

struct runtime_roots {
        const char *docker;     /* /var/lib/docker: containers/<id>/config.v2.json */
        const char *podman;     /* /var/lib/containers: storage/overlay-containers/containers.json */
        const char *pods;       /* /var/log/pods: <namespace>_<pod>_<uid> directories */
};

#define DEFAULT_DOCKER_ROOT "/var/lib/docker"
#define DEFAULT_PODMAN_ROOT "/var/lib/containers"
#define DEFAULT_PODS_ROOT "/var/log/pods"

/* Name (without docker's leading "/") and image (Config.Image) of docker container id. */
int docker_read_container(const char *root, const char *id, char *name, size_t name_size,
                          char *image, size_t image_size);
/* First name and image (image-name from the metadata, else the image id) of podman container id. */
int podman_read_container(const char *root, const char *id, char *name, size_t name_size,
                          char *image, size_t image_size);
/* Pod name and namespace of the pod with this uid, from the kubelet's log directory names. */
int pods_read_pod(const char *root, const char *uid, char *name, size_t name_size,
                  char *namespace, size_t namespace_size);
