/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "service-bus-profiles.h"
#include "service.h"
#include "bus/bus-errors.h"
#include "profile/profile-sink.h"
#include "shared/escape.h"
#include "shared/log.h"
#include "shared/timeutil.h"

#define ACTION_QUERY_ALERTS "org.cwatch1.query-alerts"
#define ACTION_MANAGE_PROFILES "org.cwatch1.manage-profiles"

static struct profile_set *profiles_of(struct service *s, sd_bus_error *error)
{
        if (!s->profiles.sink) {
                sd_bus_error_set(error, BUS_ERROR_PROFILES_OFF,
                                 "Behaviour profiles are off ([Profiles] Enable=no in cwatchd.conf)");
                return NULL;
        }
        return profile_sink_get_set(s->profiles.sink);
}

/* The profile a name gives: 16 hex digits (its id) or EXE@SCOPE. */
static struct profile *profile_by_name(struct profile_set *set, const char *name, sd_bus_error *error)
{
        const char *at = strrchr(name, '@');
        struct profile *p = NULL;
        char *end;

        if (strlen(name) == 16 && strspn(name, "0123456789abcdef") == 16) {
                uint64_t id = strtoull(name, &end, 16);

                p = profile_set_find(set, id);
        } else if (at && at != name && at[1]) {
                _cleanup_free_ char *exe = strndup(name, at - name);

                if (!exe) {
                        sd_bus_error_set_errno(error, ENOMEM);
                        return NULL;
                }
                p = profile_set_find(set, profile_subject_key(exe, at + 1));
        } else {
                sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
                                  "'%.64s' is not a profile: give its id (16 hex digits) or EXE@SCOPE", name);
                return NULL;
        }
        if (!p)
                sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_PROFILE, "No profile '%.200s' (cwatchctl profiles list)",
                                  name);
        return p;
}

static int append_profile(sd_bus_message *reply, const struct profile_set *set, const struct profile *p)
{
        /* a path a process ran: any bytes, escaped as every output does (shared/escape.h) */
        _cleanup_free_ char *exe = escape_dup(p->exe, strlen(p->exe), 0);
        char id[17];

        if (!exe)
                return -ENOMEM;
        snprintf(id, sizeof(id), "%016" PRIx64, p->subject);
        return sd_bus_message_append(reply, BUS_PROFILE_SIGNATURE, id, exe, p->scope,
                                     profile_mode_to_string(p->mode), p->n_features, p->instances, p->alerts,
                                     (uint64_t) p->created * 1000000, (uint64_t) p->last_seen * 1000000,
                                     profile_threshold(set, p));
}

int bus_method_list_profiles(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct service *s = userdata;
        struct profile_set *set;
        int r;

        r = polkit_check(&s->polkit, msg, ACTION_QUERY_ALERTS, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        set = profiles_of(s, error);
        if (!set)
                return -EINVAL;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', BUS_PROFILE_SIGNATURE);
        for (const struct profile *p = set->lru_head; p && r >= 0; p = p->lru_next)
                r = append_profile(reply, set, p);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static const char *state_name(uint8_t state)
{
        return state == FEATURE_LEARNED ? "learned" : state == FEATURE_CANDIDATE ? "candidate" : "unknown";
}

int bus_method_get_profile(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct service *s = userdata;
        struct profile_set *set;
        struct profile *p;
        const char *name;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = polkit_check(&s->polkit, msg, ACTION_QUERY_ALERTS, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        set = profiles_of(s, error);
        if (!set)
                return -EINVAL;
        p = profile_by_name(set, name, error);
        if (!p)
                return -EINVAL;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = append_profile(reply, set, p);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', BUS_PROFILE_FEATURE_SIGNATURE);
        for (uint32_t i = 0; i < p->capacity && r >= 0; i++) {
                const struct feature_slot *a = &p->slots[i];
                _cleanup_free_ char *escaped = NULL;
                const char *fname;
                char hex[32];

                if (!a->key_day)
                        continue;
                fname = profile_set_feature_name(set, feature_slot_key(a));
                if (!fname) {
                        snprintf(hex, sizeof(hex), "feature %012" PRIx64, feature_slot_key(a));
                        fname = hex;
                }
                escaped = escape_dup(fname, strlen(fname), 0);
                if (!escaped)
                        return -ENOMEM;
                r = sd_bus_message_append(reply, BUS_PROFILE_FEATURE_SIGNATURE, escaped, state_name(a->state),
                                          (double) a->count / FEATURE_COUNT_ONE, (uint32_t) a->days,
                                          (uint64_t) feature_slot_first_day(a) * 86400 * 1000000,
                                          (uint64_t) a->last_seen * 1000000);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int bus_method_reset_profile(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct service *s = userdata;
        struct profile_set *set;
        struct profile *p;
        const char *name;
        int r;

        /* authorization first: a denied caller learns nothing, not even which profiles exist */
        r = polkit_check(&s->polkit, msg, ACTION_MANAGE_PROFILES, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        set = profiles_of(s, error);
        if (!set)
                return -EINVAL;
        p = profile_by_name(set, name, error);
        if (!p)
                return -EINVAL;
        profile_reset(set, p, now_realtime_ns() / 1000000000);
        log_info("Profile %s@%s reset: learning afresh", p->exe, p->scope);
        return sd_bus_reply_method_return(msg, NULL);
}

int bus_method_set_profile_mode(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct service *s = userdata;
        struct profile_set *set;
        struct profile *p;
        const char *name, *mode_name;
        int r, mode;

        r = polkit_check(&s->polkit, msg, ACTION_MANAGE_PROFILES, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = sd_bus_message_read(msg, "ss", &name, &mode_name);
        if (r < 0)
                return r;
        mode = profile_mode_from_string(mode_name);
        if (mode < 0)
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
                                         "Mode '%.32s' is not \"learning\" or \"detecting\"", mode_name);
        set = profiles_of(s, error);
        if (!set)
                return -EINVAL;
        p = profile_by_name(set, name, error);
        if (!p)
                return -EINVAL;
        profile_set_mode(p, mode, now_realtime_ns() / 1000000000);
        log_info("Profile %s@%s is %s now", p->exe, p->scope, profile_mode_to_string(mode));
        return sd_bus_reply_method_return(msg, NULL);
}
