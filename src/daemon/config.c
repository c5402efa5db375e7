/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "config.h"
#include "detect/discovery.h"
#include "graph/provenance.h"
#include "detect/scan.h"
#include "shared/macro.h"
#include "tracers/tracer-info.h"
#include "whitelist/whitelist-sink.h"

static const struct conf_range latency_range = { 0, 10000000000ULL };      /* 0 .. 10 s */
static const struct conf_range interval_range = { 100000000ULL, 86400000000000ULL };        /* 0.1 s .. 1 day */
static const struct conf_range status_range = { 500000000ULL, 3600000000000ULL };          /* 0.5 s .. 1 h */
static const struct conf_range ringbuf_range = { 4096, 1ULL << 30 };
static const struct conf_range scan_window_range = { SCAN_WINDOW_MIN_NS, SCAN_WINDOW_MAX_NS };
static const struct conf_range discovery_window_range = { DISCOVERY_WINDOW_MIN_NS, DISCOVERY_WINDOW_MAX_NS };
static const struct conf_range graph_nodes_range = { GRAPH_MIN_NODES, GRAPH_MAX_NODES };
static const struct conf_range graph_edges_range = { GRAPH_MIN_EDGES, GRAPH_MAX_EDGES };
static const struct conf_range graph_window_range = { 0, 30ULL * 86400000000000ULL };     /* 0 (never) .. 30 days */
static const struct conf_range incident_window_range = { 1000000000ULL, 86400000000000ULL }; /* 1 s .. 1 day */
static const struct conf_range incidents_range = { 1, 65536 };
static const struct conf_range story_hops_range = { 1, PROVENANCE_MAX_STORY_HOPS };
static const struct conf_range story_bytes_range = { PROVENANCE_MIN_STORY_BYTES, PROVENANCE_MAX_STORY_BYTES };

static int parse_severity(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        int s = alert_severity_from_string(value);

        if (s < 0) {
                snprintf(err, err_size, "expected a severity: critical, error, warning, notice or info");
                return -EINVAL;
        }
        *(enum alert_severity *) ptr = s;
        return 0;
}

/* A list added to a struct strv, each item checked by ok (what it should be: "an absolute path"). */
static int parse_checked_list(const char *value, void *ptr, bool (*ok)(const char *s), const char *what, char *err,
                              size_t err_size)
{
        struct strv *v = ptr;
        size_t before = v->n;
        int r;

        r = conf_parse_strv(value, ptr, NULL, err, err_size);
        if (r < 0)
                return r;
        for (size_t i = *value ? before : v->n; i < v->n; i++)
                if (!ok(v->items[i])) {
                        snprintf(err, err_size, "'%.64s' is not %s", v->items[i], what);
                        return -EINVAL;
                }
        return 0;
}

static bool is_absolute_path(const char *s)
{
        return s[0] == '/' && strlen(s) < 4096;
}

static int parse_paths(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        return parse_checked_list(value, ptr, is_absolute_path, "an absolute path", err, err_size);
}

/* One absolute path; empty: back to the default (NULL). */
static int parse_path(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        char **v = ptr;

        if (!*value) {
                free(*v);
                *v = NULL;
                return 0;
        }
        if (value[0] != '/' || strlen(value) >= 4096) {
                snprintf(err, err_size, "'%.64s' is not an absolute path", value);
                return -EINVAL;
        }
        free(*v);
        *v = strdup(value);
        return *v ? 0 : -ENOMEM;
}

/* Enable= names the whole set: the last assignment wins, so a drop-in replaces it. */
static int parse_names(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        struct strv *v = ptr;
        int r;

        strv_done(v);
        r = conf_parse_strv(value, ptr, arg, err, err_size);
        if (r < 0)
                return r;
        for (size_t i = 0; i < v->n; i++) {
                const char *s = v->items[i];

                if (strlen(s) > 64 || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_") != strlen(s)) {
                        snprintf(err, err_size, "'%.64s' is not a tracer name (lowercase letters, digits, - and _)", s);
                        return -EINVAL;
                }
        }
        return 0;
}

static bool valid_port(const char *s)
{
        char *end;
        unsigned long p;

        if (*s < '0' || *s > '9')
                return false;
        errno = 0;
        p = strtoul(s, &end, 10);
        return errno == 0 && !*end && p >= 1 && p <= 65535;
}

/* "PORT", "IPV4:PORT" or "[IPV6]:PORT", as the metrics server takes them. */
static bool valid_listen_address(const char *s)
{
        const char *colon = strrchr(s, ':');
        char host[INET6_ADDRSTRLEN + 2];
        unsigned char buf[sizeof(struct in6_addr)];
        size_t l;

        if (!colon)
                return valid_port(s);
        l = colon - s;
        if (!valid_port(colon + 1) || l == 0 || l >= sizeof(host))
                return false;
        memcpy(host, s, l);
        host[l] = 0;
        if (host[0] == '[' && host[l - 1] == ']') {
                host[l - 1] = 0;
                return inet_pton(AF_INET6, host + 1, buf) == 1;
        }
        return inet_pton(AF_INET, host, buf) == 1;
}

static int parse_listen(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        char **v = ptr;

        if (!*value || streq(value, "no")) {
                free(*v);
                *v = NULL;
                return 0;
        }
        if (!valid_listen_address(value)) {
                snprintf(err, err_size, "expected an address and port such as 127.0.0.1:9469, [::1]:9469 or 9469");
                return -EINVAL;
        }
        free(*v);
        *v = strdup(value);
        return *v ? 0 : -ENOMEM;
}

/* 0 (off) or SCAN_THRESHOLD_MIN .. SCAN_THRESHOLD_MAX */
static int parse_scan_threshold(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        char *end;
        unsigned long long n;

        errno = 0;
        n = strtoull(value, &end, 10);
        if (*value < '0' || *value > '9' || *end || errno != 0 ||
            (n != 0 && (n < SCAN_THRESHOLD_MIN || n > SCAN_THRESHOLD_MAX))) {
                snprintf(err, err_size, "expected 0 (off) or a number of connections from %d to %d",
                         SCAN_THRESHOLD_MIN, SCAN_THRESHOLD_MAX);
                return -EINVAL;
        }
        *(uint64_t *) ptr = n;
        return 0;
}

/* 0 (off) or DISCOVERY_THRESHOLD_MIN .. DISCOVERY_THRESHOLD_MAX */
static int parse_discovery_threshold(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        unsigned long long n;
        char *end;

        errno = 0;
        n = strtoull(value, &end, 10);
        if (*value < '0' || *value > '9' || *end || errno != 0 ||
            (n != 0 && (n < DISCOVERY_THRESHOLD_MIN || n > DISCOVERY_THRESHOLD_MAX))) {
                snprintf(err, err_size, "expected 0 (off) or a number of distinct commands from %d to %d",
                         DISCOVERY_THRESHOLD_MIN, DISCOVERY_THRESHOLD_MAX);
                return -EINVAL;
        }
        *(uint64_t *) ptr = n;
        return 0;
}

/* A whole number within arg's range. */
static int parse_count(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        const struct conf_range *range = arg;
        unsigned long long v;
        char *end;

        errno = 0;
        v = strtoull(value, &end, 10);
        if (errno || end == value || *end || *value == '-' || v < range->min || v > range->max) {
                snprintf(err, err_size, "expected a whole number from %llu to %llu", range->min, range->max);
                return -EINVAL;
        }
        *(uint64_t *) ptr = v;
        return 0;
}

/* The profiles' Threshold=: a positive score, at most 1000. */
static int parse_score(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        double v;
        char *end;

        errno = 0;
        v = strtod(value, &end);
        if (errno || end == value || *end || !(v > 0 && v <= 1000)) {
                snprintf(err, err_size, "expected a score above 0 and at most 1000, such as 4 or 2.5");
                return -EINVAL;
        }
        *(double *) ptr = v;
        return 0;
}

/* Quorum= and LocalWeight=: a weight of votes, 0 .. 1000 (LocalWeight=0: this host does not vote). */
static int parse_votes(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        double v;
        char *end;

        errno = 0;
        v = strtod(value, &end);
        if (errno || end == value || *end || !(v >= 0 && v <= 1000)) {
                snprintf(err, err_size, "expected a weight of votes from 0 to 1000, such as 2 or 1.5");
                return -EINVAL;
        }
        *(double *) ptr = v;
        return 0;
}

/* HostId=: 32 hex digits, or empty for /etc/machine-id. */
static int parse_host_id(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        char **p = ptr;

        if (*value && (strlen(value) != 32 || strspn(value, "0123456789abcdef") != 32)) {
                snprintf(err, err_size, "expected 32 lower-case hexadecimal digits, as in /etc/machine-id");
                return -EINVAL;
        }
        free(*p);
        *p = *value ? strdup(value) : NULL;
        return *value && !*p ? -ENOMEM : 0;
}

static bool is_sync_url(const char *s)
{
        return (strneq(s, "file:///", 8) || strneq(s, "http://", 7) || strneq(s, "https://", 8)) &&
               strlen(s) < 4096 && !strpbrk(s, " \t\n");
}

/* Publish=: one file:///DIR, http:// or https:// URL; empty: none. */
static int parse_url(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        char **v = ptr;

        if (*value && !is_sync_url(value)) {
                snprintf(err, err_size, "'%.64s' is not a file:///, http:// or https:// URL", value);
                return -EINVAL;
        }
        free(*v);
        *v = *value ? strdup(value) : NULL;
        return *value && !*v ? -ENOMEM : 0;
}

/* Peers=: URLs, added to the list; empty: the list is emptied. */
static int parse_urls(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        return parse_checked_list(value, ptr, is_sync_url, "a file:///, http:// or https:// URL", err, err_size);
}

static const struct conf_range sync_interval_range = { 1000000000ULL, 7 * 86400000000000ULL };     /* 1 s .. 1 week */
static const struct conf_range sync_timeout_range = { 1000000000ULL, 3600000000000ULL };          /* 1 s .. 1 h */
static const struct conf_range sync_skew_range = { 0, 86400000000000ULL };

static const struct conf_range learning_range = { 1000000000ULL, 365 * 86400000000000ULL };  /* 1 s .. 1 year */
static const struct conf_range quiet_range = { 0, 365 * 86400000000000ULL };
static const struct conf_range save_range = { 1000000000ULL, 86400000000000ULL };           /* 1 s .. 1 day */
static const struct conf_range instances_range = { 1, 1000000 };
static const struct conf_range profiles_range = { 1, 1000000 };
static const struct conf_range features_range = { 8, 4096 };

/* The whitelist's Cap=: a confidence from 0 to 1. */
static int parse_confidence(const char *value, void *ptr, const void *arg, char *err, size_t err_size)
{
        double v;
        char *end;

        errno = 0;
        v = strtod(value, &end);
        if (errno || end == value || *end || !(v >= 0 && v <= 1)) {
                snprintf(err, err_size, "expected a confidence from 0 to 1, such as 0.3");
                return -EINVAL;
        }
        *(double *) ptr = v;
        return 0;
}

static const struct conf_range hash_bytes_range = { 4096, 1ULL << 34 };                     /* 4 KiB .. 16 GiB */
static const struct conf_range hash_rate_range = { 1ULL << 16, 1ULL << 34 };                /* 64 KiB/s .. 16 GiB/s */
static const struct conf_range wl_entries_range = { 16, 10000000 };

const struct conf_item config_items[] = {
        { "Tracers", "Enable", parse_names, offsetof(struct config, tracers) },
        { "Tracers", "Interval", conf_parse_timespan, offsetof(struct config, interval_ns), &interval_range },
        { "Tracers", "Latency", conf_parse_timespan, offsetof(struct config, latency_ns), &latency_range },
        { "Tracers", "RingBufferSize", conf_parse_size, offsetof(struct config, ringbuf_size), &ringbuf_range },
        { "Tracers", "StatusInterval", conf_parse_timespan, offsetof(struct config, status_interval_ns),
          &status_range },
        { "Files", "WatchPaths", parse_paths, offsetof(struct config, watch_paths) },
        { "Identity", "DockerRoot", parse_path, offsetof(struct config, docker_root) },
        { "Identity", "PodmanRoot", parse_path, offsetof(struct config, podman_root) },
        { "Identity", "PodsRoot", parse_path, offsetof(struct config, pods_root) },
        { "Metrics", "Listen", parse_listen, offsetof(struct config, metrics_listen) },
        { "Detection", "ScanThreshold", parse_scan_threshold, offsetof(struct config, scan_threshold) },
        { "Detection", "ScanWindow", conf_parse_timespan, offsetof(struct config, scan_window_ns),
          &scan_window_range },
        { "Detection", "DiscoveryThreshold", parse_discovery_threshold,
          offsetof(struct config, discovery_threshold) },
        { "Detection", "DiscoveryWindow", conf_parse_timespan, offsetof(struct config, discovery_window_ns),
          &discovery_window_range },
        { "Provenance", "Enable", conf_parse_bool, offsetof(struct config, provenance) },
        { "Provenance", "MaxNodes", conf_parse_size, offsetof(struct config, graph_max_nodes), &graph_nodes_range },
        { "Provenance", "MaxEdges", conf_parse_size, offsetof(struct config, graph_max_edges), &graph_edges_range },
        { "Provenance", "Window", conf_parse_timespan, offsetof(struct config, graph_window_ns), &graph_window_range },
        { "Provenance", "IncidentWindow", conf_parse_timespan, offsetof(struct config, incident_window_ns),
          &incident_window_range },
        { "Provenance", "MaxIncidents", conf_parse_size, offsetof(struct config, max_incidents), &incidents_range },
        { "Provenance", "StoryHops", conf_parse_size, offsetof(struct config, story_hops), &story_hops_range },
        { "Provenance", "StoryMaxBytes", conf_parse_size, offsetof(struct config, story_max_bytes),
          &story_bytes_range },
        { "Alerts", "Journal", conf_parse_bool, offsetof(struct config, journal) },
        { "Alerts", "ExecFromTemporary", conf_parse_bool, offsetof(struct config, exec_from_temporary) },
        { "Alerts", "TemporaryDirectories", parse_paths, offsetof(struct config, temporary_dirs) },
        { "Alerts", "MinSeverity", parse_severity, offsetof(struct config, min_severity) },
        { "Profiles", "Enable", conf_parse_bool, offsetof(struct config, profiles) },
        { "Profiles", "LearningPeriod", conf_parse_timespan, offsetof(struct config, profile_learning_period_ns),
          &learning_range },
        { "Profiles", "QuietPeriod", conf_parse_timespan, offsetof(struct config, profile_quiet_period_ns),
          &quiet_range },
        { "Profiles", "MinInstances", parse_count, offsetof(struct config, profile_min_instances), &instances_range },
        { "Profiles", "Threshold", parse_score, offsetof(struct config, profile_threshold) },
        { "Profiles", "MaxProfiles", parse_count, offsetof(struct config, profile_max_profiles), &profiles_range },
        { "Profiles", "MaxFeatures", parse_count, offsetof(struct config, profile_max_features), &features_range },
        { "Profiles", "SaveInterval", conf_parse_timespan, offsetof(struct config, profile_save_interval_ns),
          &save_range },
        { "Profiles", "StateDirectory", parse_path, offsetof(struct config, profile_state_dir) },
        { "Sync", "Enable", conf_parse_bool, offsetof(struct config, sync) },
        { "Sync", "Peers", parse_urls, offsetof(struct config, sync_peers) },
        { "Sync", "Publish", parse_url, offsetof(struct config, sync_publish) },
        { "Sync", "Quorum", parse_votes, offsetof(struct config, sync_quorum) },
        { "Sync", "LocalWeight", parse_votes, offsetof(struct config, sync_local_weight) },
        { "Sync", "Interval", conf_parse_timespan, offsetof(struct config, sync_interval_ns), &sync_interval_range },
        { "Sync", "Timeout", conf_parse_timespan, offsetof(struct config, sync_timeout_ns), &sync_timeout_range },
        { "Sync", "ClockSkew", conf_parse_timespan, offsetof(struct config, sync_max_skew_ns), &sync_skew_range },
        { "Sync", "HostId", parse_host_id, offsetof(struct config, sync_host_id) },
        { "Sync", "TrustedHostsDirectory", parse_path, offsetof(struct config, sync_trusted_dir) },
        { "Sync", "StateDirectory", parse_path, offsetof(struct config, sync_state_dir) },
        { "Whitelist", "Enable", conf_parse_bool, offsetof(struct config, whitelist) },
        { "Whitelist", "DenyListDirectory", parse_path, offsetof(struct config, denylist_dir) },
        { "Whitelist", "MaxHashBytes", conf_parse_size, offsetof(struct config, whitelist_max_hash_bytes),
          &hash_bytes_range },
        { "Whitelist", "HashRate", conf_parse_size, offsetof(struct config, whitelist_hash_rate), &hash_rate_range },
        { "Whitelist", "Cap", parse_confidence, offsetof(struct config, whitelist_cap) },
        { "Whitelist", "MaxEntries", parse_count, offsetof(struct config, whitelist_max_entries), &wl_entries_range },
        { "Whitelist", "SaveInterval", conf_parse_timespan, offsetof(struct config, whitelist_save_interval_ns),
          &save_range },
        { "Whitelist", "StateDirectory", parse_path, offsetof(struct config, whitelist_state_dir) },
        { "Response", "Enable", conf_parse_bool, offsetof(struct config, response.enable) },
        { "Response", "DryRun", conf_parse_bool, offsetof(struct config, response.dry_run) },
        { "Response", "Protected", response_parse_protected, offsetof(struct config, response.protected_units) },
        { "Response", "MaxActionsPerMinute", response_parse_max_per_minute,
          offsetof(struct config, response.max_per_minute) },
        { "Response", "SeverityAction", response_parse_severity_actions, offsetof(struct config, response.on_severity) },
        { "Response", "RuleAction", response_parse_rule_actions, offsetof(struct config, response.rule_actions) },
        { "Response", "IncidentScore", response_parse_incident_score, offsetof(struct config, response.incident_score) },
        { "Response", "IncidentAction", response_parse_action, offsetof(struct config, response.incident_action) },
        {}
};

int config_init_default(struct config *c)
{
        static const char *const tmpdirs[] = { "/tmp", "/dev/shm", "/var/tmp" };
        int r = 0;

        *c = (struct config) {
                .interval_ns = 3000000000ULL,
                .ringbuf_size = 4ULL << 20,
                .latency_ns = 50000000ULL,
                .status_interval_ns = 5000000000ULL,
                .journal = true,
                .exec_from_temporary = true,
                .min_severity = SEVERITY_INFO,
                .scan_threshold = SCAN_DEFAULT_THRESHOLD,
                .scan_window_ns = SCAN_DEFAULT_WINDOW_NS,
                .discovery_threshold = DISCOVERY_DEFAULT_THRESHOLD,
                .discovery_window_ns = DISCOVERY_DEFAULT_WINDOW_NS,
                .provenance = true,
                .graph_max_nodes = PROVENANCE_DEFAULT_CONFIG.graph.max_nodes,
                .graph_max_edges = PROVENANCE_DEFAULT_CONFIG.graph.max_edges,
                .graph_window_ns = PROVENANCE_DEFAULT_CONFIG.graph.window_ns,
                .incident_window_ns = PROVENANCE_DEFAULT_CONFIG.incident_window_ns,
                .max_incidents = PROVENANCE_DEFAULT_CONFIG.max_incidents,
                .story_hops = PROVENANCE_DEFAULT_CONFIG.story_hops,
                .story_max_bytes = PROVENANCE_DEFAULT_CONFIG.story_max_bytes,
                .profiles = true,
                .profile_learning_period_ns = 7 * 86400000000000ULL,
                .profile_quiet_period_ns = 86400000000000ULL,
                .profile_min_instances = 20,
                .profile_threshold = 4.0,
                .profile_max_profiles = 5000,
                .profile_max_features = 256,
                .profile_save_interval_ns = 600000000000ULL,
                .sync = true,
                .sync_quorum = 2.0,
                .sync_local_weight = 1.0,
                .sync_interval_ns = 600000000000ULL,
                .sync_timeout_ns = 30000000000ULL,
                .sync_max_skew_ns = 300000000000ULL,
                .whitelist = true,
                .whitelist_max_hash_bytes = WHITELIST_DEFAULT_MAX_HASH_BYTES,
                .whitelist_hash_rate = WHITELIST_DEFAULT_HASH_RATE,
                .whitelist_cap = WHITELIST_DEFAULT_CAP,
                .whitelist_max_entries = WHITELIST_DEFAULT_MAX_ENTRIES,
                .whitelist_save_interval_ns = 600000000000ULL,
        };
        for (size_t i = 0; i < tracer_infos_size && r >= 0; i++)
                if (tracer_infos[i]->enabled_by_default)
                        r = strv_add(&c->tracers, tracer_infos[i]->name);
        for (size_t i = 0; i < ELEMENTSOF(tmpdirs) && r >= 0; i++)
                r = strv_add(&c->temporary_dirs, tmpdirs[i]);
        if (r >= 0)
                r = response_config_init_default(&c->response);
        if (r < 0)
                config_done(c);
        return r;
}

void config_done(struct config *c)
{
        strv_done(&c->tracers);
        strv_done(&c->watch_paths);
        strv_done(&c->temporary_dirs);
        free(c->metrics_listen);
        c->metrics_listen = NULL;
        free(c->docker_root);
        free(c->podman_root);
        free(c->pods_root);
        c->docker_root = c->podman_root = c->pods_root = NULL;
        free(c->profile_state_dir);
        c->profile_state_dir = NULL;
        strv_done(&c->sync_peers);
        free(c->sync_publish);
        free(c->sync_host_id);
        free(c->sync_trusted_dir);
        free(c->sync_state_dir);
        c->sync_publish = c->sync_host_id = c->sync_trusted_dir = c->sync_state_dir = NULL;
        free(c->denylist_dir);
        free(c->whitelist_state_dir);
        c->denylist_dir = c->whitelist_state_dir = NULL;
        response_config_done(&c->response);
}

static int config_check(struct config *c, const char *name, struct conf_error *err)
{
        /* the kernel wants a power of two for the ring buffer */
        if (c->ringbuf_size & (c->ringbuf_size - 1)) {
                snprintf(err->text, sizeof(err->text), "%s: RingBufferSize=%llu is not a power of two", name,
                         (unsigned long long) c->ringbuf_size);
                return -EINVAL;
        }
        return 0;
}

int config_load(struct config *c, const char *main_path, const char *dropin_dir, struct conf_error *err)
{
        int r;

        r = config_init_default(c);
        if (r < 0)
                return r;
        r = conf_parse_with_dropins(main_path, dropin_dir, config_items, c, err);
        if (r >= 0)
                r = config_check(c, main_path, err);
        if (r < 0)
                config_done(c);
        return r;
}

int config_load_string(struct config *c, const char *name, const char *text, size_t len, struct conf_error *err)
{
        int r = conf_parse_string(name, text, len, config_items, c, err);

        return r < 0 ? r : config_check(c, name, err);
}
