/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "service-whitelist.h"
#include "service.h"
#include "metrics/whitelist-metrics.h"
#include "profile/profile-sink.h"
#include "shared/log.h"
#include "shared/strbuf.h"
#include "shared/timeutil.h"
#include "whitelist/whitelist-sink.h"
#include "whitelist/whitelist-store.h"

/* Its behaviour profile is learned (detecting) and raised no anomaly. */
static bool program_stable(const char *exe, uint64_t cgroup_id, void *userdata)
{
        struct service *s = userdata;
        struct profile_sink *ps = s->profiles.sink;
        const struct identity *id = cgroup_id && s->manager->identity ? identity_lookup(s->manager->identity, cgroup_id)
                                                                       : NULL;
        const struct profile *p;
        char scope[256];

        if (!ps)
                return false;
        (void) profile_scope_of(id, scope, sizeof(scope));
        p = profile_set_find(profile_sink_get_set(ps), profile_subject_key(exe, scope));
        return p && p->mode == PROFILE_DETECTING && p->alerts == 0;
}

static void load_denylist(struct service *s)
{
        const char *dir = s->config.denylist_dir ?: DENYLIST_DIR;
        struct denylist d = {};
        struct strbuf errors = {};
        int r;

        r = denylist_load_dir(&d, dir, &errors);
        if (errors.len > 0)
                log_warning("Deny list: %s", errors.data);
        if (r < 0)
                log_warning_errno(r, "Failed to read all of the deny list in %s, using what was read: %m", dir);
        log_info("Deny list: %zu hashes from %s", d.n, dir);
        whitelist_sink_set_denylist(s->whitelist.sink, &d);
        strbuf_free(&errors);
}

int64_t service_save_whitelist(struct service *s)
{
        struct service_whitelist *sw = &s->whitelist;
        int64_t r;

        if (!sw->sink)
                return -ENOENT;
        r = whitelist_store_save(whitelist_sink_get(sw->sink), sw->state_dir);
        if (r < 0) {
                sw->save_failures++;
                return log_warning_errno((int) r, "Failed to save the whitelist to %s/%s, ignoring: %m", sw->state_dir,
                                         WHITELIST_STORE_FILE);
        }
        sw->saves++;
        return r;
}

static int on_whitelist_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
        struct service *s = userdata;

        (void) service_save_whitelist(s);
        return sd_event_source_set_time_relative(src, s->config.whitelist_save_interval_ns / 1000);
}

static void render_whitelist_metrics(struct strbuf *b, void *userdata)
{
        struct service_whitelist *sw = userdata;

        if (sw->sink)
                whitelist_metrics_render(b, sw->sink, sw->saves, sw->save_failures);
}

/* The table of the last run, or an empty one: a file that fails to load is set aside. */
static int load_table(struct service *s, const struct whitelist_config *config, struct whitelist **ret)
{
        _cleanup_(whitelist_freep) struct whitelist *wl = NULL;
        size_t line = 0;
        int r;

        r = whitelist_new(&wl, config);
        if (r < 0)
                return r;
        r = whitelist_store_load(wl, s->whitelist.state_dir, &line);
        if (r >= 0)
                log_info("Loaded %zu whitelist entries from %s", whitelist_size(wl), s->whitelist.state_dir);
        else if (r != -ENOENT) {
                _cleanup_free_ char *from = NULL, *to = NULL;

                if (asprintf(&from, "%s/%s", s->whitelist.state_dir, WHITELIST_STORE_FILE) >= 0 &&
                    asprintf(&to, "%s.bad-%" PRIu64, from, now_realtime_ns() / 1000000000) >= 0)
                        (void) rename(from, to);
                log_warning_errno(r, "The whitelist file %s/%s cannot be used (line %zu: %m); set aside as %s, "
                                  "starting afresh", s->whitelist.state_dir, WHITELIST_STORE_FILE, line, to ?: "?");
                wl = whitelist_free(wl);
                r = whitelist_new(&wl, config);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(wl);
        return 0;
}

int service_start_whitelist(struct service *s)
{
        struct service_whitelist *sw = &s->whitelist;
        struct whitelist_config wc = { .cap = s->config.whitelist_cap, .max_entries = s->config.whitelist_max_entries };
        struct whitelist *wl = NULL;
        int r;

        if (!s->config.whitelist)
                return 0;
        sw->state_dir = strdup(s->config.whitelist_state_dir ?: PROFILES_STATE_DIR);
        if (!sw->state_dir)
                return log_error_errno(-ENOMEM, "The whitelist is off: %m");
        r = load_table(s, &wc, &wl);
        if (r < 0)
                return log_error_errno(r, "The whitelist is off: %m");
        r = manager_enable_whitelist(s->manager, wl, &(struct whitelist_sink_config) {
                .max_hash_bytes = s->config.whitelist_max_hash_bytes,
                .hash_rate = s->config.whitelist_hash_rate,
                .temp_dirs = (const char *const *) s->config.temporary_dirs.items,
                .n_temp_dirs = s->config.temporary_dirs.n,
        }, program_stable, s, &sw->sink);
        if (r < 0)
                return log_error_errno(r, "The whitelist is off: %m");
        load_denylist(s);
        r = manager_add_metrics_renderer(s->manager, render_whitelist_metrics, sw);
        if (r < 0)
                log_warning_errno(r, "Failed to add the whitelist's metrics, ignoring: %m");
        r = sd_event_add_time_relative(s->manager->event, &sw->timer, CLOCK_MONOTONIC,
                                       s->config.whitelist_save_interval_ns / 1000, 0, on_whitelist_timer, s);
        if (r < 0)
                log_warning_errno(r, "Failed to arm the whitelist's save timer, saving at stop only: %m");
        else
                (void) sd_event_source_set_enabled(sw->timer, SD_EVENT_ON);
        return 0;
}

void service_apply_whitelist_config(struct service *s)
{
        if (!s->whitelist.sink)
                return;
        (void) whitelist_set_cap(whitelist_sink_get(s->whitelist.sink), s->config.whitelist_cap);
        whitelist_sink_set_limits(s->whitelist.sink, s->config.whitelist_max_hash_bytes, s->config.whitelist_hash_rate);
        load_denylist(s);
}

void service_stop_whitelist(struct service *s)
{
        struct service_whitelist *sw = &s->whitelist;

        sw->timer = sd_event_source_disable_unref(sw->timer);
        if (sw->sink)
                (void) service_save_whitelist(s);
        sw->sink = whitelist_sink_free(sw->sink);
        free(sw->state_dir);
        sw->state_dir = NULL;
}
