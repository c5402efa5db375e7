/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "service-profiles.h"
#include "service.h"
#include "metrics/profile-metrics.h"
#include "profile/profile-sink.h"
#include "profile/profile-store.h"
#include "shared/log.h"
#include "shared/timeutil.h"

#define PROFILES_TICK_USEC 1000000

static void profile_config_from(const struct config *c, struct profile_config *ret)
{
        profile_config_init_default(ret);
        ret->learning_period_s = c->profile_learning_period_ns / 1000000000;
        ret->quiet_period_s = c->profile_quiet_period_ns / 1000000000;
        ret->min_instances = (uint32_t) c->profile_min_instances;
        ret->threshold = c->profile_threshold;
        ret->max_profiles = (uint32_t) c->profile_max_profiles;
        ret->max_features = (uint32_t) c->profile_max_features;
}

int64_t service_save_profiles(struct service *s)
{
        struct service_profiles *sp = &s->profiles;
        int64_t r;

        if (!sp->sink)
                return -ENOENT;
        sp->last_save_ns = now_monotonic_ns();
        r = profile_store_save(profile_sink_get_set(sp->sink), sp->state_dir);
        if (r < 0) {
                sp->save_failures++;
                log_warning_errno((int) r, "Failed to save the profiles to %s/%s, ignoring: %m", sp->state_dir,
                                  PROFILE_STORE_FILE);
                return r;
        }
        sp->saves++;
        sp->last_save_bytes = r;
        log_debug("Saved %zu profiles (%" PRIi64 " bytes)", profile_sink_get_set(sp->sink)->n_profiles, r);
        return r;
}

void service_save_profiles_in_background(struct service *s)
{
        struct service_profiles *sp = &s->profiles;
        pid_t pid;

        if (!sp->sink || sp->save_pid > 0)
                return;
        sp->last_save_ns = now_monotonic_ns();
        pid = fork();
        if (pid < 0) {
                log_debug_errno(-errno, "Failed to fork to save the profiles, saving in the loop: %m");
                (void) service_save_profiles(s);
                return;
        }
        if (pid == 0) {
                /* the child has a copy-on-write snapshot; it only encodes and writes */
                int64_t r = profile_store_save(profile_sink_get_set(sp->sink), sp->state_dir);

                _exit(r < 0 ? (int) MIN(-r, 255) : 0);
        }
        sp->save_pid = pid;
}

/* Reaps the saving child (wait: block until it is done). */
static void reap_save_child(struct service_profiles *sp, bool wait)
{
        _cleanup_free_ char *path = NULL;
        struct stat st;
        int status;
        pid_t r;

        if (sp->save_pid <= 0)
                return;
        r = waitpid(sp->save_pid, &status, wait ? 0 : WNOHANG);
        if (r == 0 || (r < 0 && errno == EINTR))
                return;
        sp->save_pid = 0;
        if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                sp->save_failures++;
                log_warning("Failed to save the profiles to %s/%s (%s), ignoring", sp->state_dir, PROFILE_STORE_FILE,
                            r < 0 ? strerror(errno) : WIFEXITED(status) ? strerror(WEXITSTATUS(status)) : "killed");
                return;
        }
        sp->saves++;
        if (asprintf(&path, "%s/%s", sp->state_dir, PROFILE_STORE_FILE) >= 0 && stat(path, &st) >= 0)
                sp->last_save_bytes = st.st_size;
}

static int on_profiles_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
        struct service *s = userdata;
        struct service_profiles *sp = &s->profiles;

        profile_sink_tick(sp->sink, now_realtime_ns());
        reap_save_child(sp, false);
        if (now_monotonic_ns() - sp->last_save_ns >= s->config.profile_save_interval_ns)
                service_save_profiles_in_background(s);
        return sd_event_source_set_time_relative(src, PROFILES_TICK_USEC);
}

static void render_profile_metrics(struct strbuf *b, void *userdata)
{
        struct service_profiles *sp = userdata;

        if (sp->sink)
                profile_metrics_render(b, sp->sink, &(struct profile_store_stats) {
                        .saves = sp->saves, .save_failures = sp->save_failures,
                        .last_save_bytes = sp->last_save_bytes,
                });
}

/* The profiles of the last run, or an empty set: a file that fails to load is set aside. */
static int load_profiles(struct service *s, const struct profile_config *config, struct profile_set **ret)
{
        _cleanup_free_ char *aside = NULL;
        int r;

        r = profile_store_remove_temporaries(s->profiles.state_dir);
        if (r > 0)
                log_info("Removed %d temporary profile files an interrupted save left behind", r);
        r = profile_store_load(s->profiles.state_dir, config, ret);
        if (r >= 0) {
                log_info("Loaded %zu behaviour profiles from %s", (*ret)->n_profiles, s->profiles.state_dir);
                return 0;
        }
        if (r == -ENOMEM)
                return r;
        if (r != -ENOENT) {
                int k = profile_store_set_aside(s->profiles.state_dir, now_realtime_ns() / 1000000000, &aside);

                log_warning_errno(r, "The profile file %s/%s cannot be used (%m); set aside as %s, learning afresh",
                                  s->profiles.state_dir, PROFILE_STORE_FILE, k >= 0 ? aside : "(failed)");
        }
        return profile_set_new(ret, config);
}

int service_start_profiles(struct service *s)
{
        struct service_profiles *sp = &s->profiles;
        struct profile_set *set = NULL;
        struct profile_config config;
        int r;

        if (!s->config.profiles)
                return 0;
        sp->state_dir = strdup(s->config.profile_state_dir ?: PROFILES_STATE_DIR);
        if (!sp->state_dir)
                return log_error_errno(-ENOMEM, "Behaviour profiles are off: %m");
        profile_config_from(&s->config, &config);
        r = load_profiles(s, &config, &set);
        if (r < 0)
                return log_error_errno(r, "Behaviour profiles are off: %m");
        r = manager_enable_profiles(s->manager, set, &(struct profile_sink_config) {
                /* a story waits for the files tracer's rows of the processes it names */
                .window_ns = MAX(UINT64_C(5000000000), 2 * s->config.interval_ns),
        }, &sp->sink);
        if (r < 0)
                return log_error_errno(r, "Behaviour profiles are off: %m");
        sp->last_save_ns = now_monotonic_ns();
        r = manager_add_metrics_renderer(s->manager, render_profile_metrics, sp);
        if (r < 0)
                log_warning_errno(r, "Failed to add the profiles' metrics, ignoring: %m");
        r = sd_event_add_time_relative(s->manager->event, &sp->timer, CLOCK_MONOTONIC, PROFILES_TICK_USEC, 0,
                                       on_profiles_timer, s);
        if (r < 0)
                log_warning_errno(r, "Failed to arm the profiles' timer, anomalies are not reported: %m");
        else
                (void) sd_event_source_set_enabled(sp->timer, SD_EVENT_ON);
        return 0;
}

void service_apply_profiles_config(struct service *s)
{
        struct profile_set *set = s->profiles.sink ? profile_sink_get_set(s->profiles.sink) : NULL;
        struct profile_config c;

        if (!set)
                return;
        profile_config_from(&s->config, &c);
        /* the bounds stay: the tables were made for them */
        c.max_profiles = set->config.max_profiles;
        c.max_features = set->config.max_features;
        set->config = c;
}

void service_stop_profiles(struct service *s)
{
        struct service_profiles *sp = &s->profiles;

        sp->timer = sd_event_source_disable_unref(sp->timer);
        /* the last word is the final save's: a snapshot still being written is waited for first */
        reap_save_child(sp, true);
        if (sp->sink)
                (void) service_save_profiles(s);
        sp->sink = profile_sink_free(sp->sink);
        free(sp->state_dir);
        sp->state_dir = NULL;
}
