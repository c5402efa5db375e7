/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The service's whitelist: loaded from StateDirectory= at start (a damaged file is set aside and the
 * table starts afresh), the deny list read at start and at each reload, saved every SaveInterval=
 * and at stop. */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

struct service;
struct whitelist_sink;

struct service_whitelist {
        struct whitelist_sink *sink;    /* NULL: off */
        sd_event_source *timer;
        char *state_dir;
        uint64_t saves, save_failures;
};

/* Starts the whitelist when [Whitelist] Enable= says so (before the rules); failures leave it off. */
int service_start_whitelist(struct service *s);
/* A reload: the deny list again, Cap=, MaxHashBytes=, HashRate=. */
void service_apply_whitelist_config(struct service *s);
int64_t service_save_whitelist(struct service *s);
/* Saves and frees; call after the manager is gone. */
void service_stop_whitelist(struct service *s);
